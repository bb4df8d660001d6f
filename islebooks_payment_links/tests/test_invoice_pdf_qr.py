import base64
import io

import qrcode

from odoo.tests import tagged

from .common import PaymentLinksCommon


@tagged("post_install", "-at_install")
class TestInvoicePdfQr(PaymentLinksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_unready()
        cls._make_ready()

    def _report_html(self, invoice):
        html, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        return html.decode()

    def test_invoice_pdf_shows_qr_code_of_its_link(self):
        invoice = self._create_invoice()
        link = invoice._get_payment_links()
        html = self._report_html(invoice)
        self.assertIn('id="islebooks_payment_link_qr"', html)
        self.assertIn("Scan this QR code with your phone", html)
        data_uri = invoice._get_payment_link_qr_image()
        self.assertTrue(data_uri.startswith("data:image/png;base64,"))
        self.assertIn(data_uri, html)
        # The picture is the QR code of the link's URL, and of nothing else.
        expected = io.BytesIO()
        qrcode.make(link.url, box_size=6, border=2).save(expected, format="PNG")
        self.assertEqual(base64.b64decode(data_uri.split(",", 1)[1]), expected.getvalue())

    def test_no_qr_code_without_link_when_paid_or_option_off(self):
        no_link = self._create_invoice()
        self.assertNotIn("islebooks_payment_link_qr", self._report_html(no_link))

        invoice = self._create_invoice()
        invoice._get_payment_links()
        self.company.payment_link_pdf_qr = False
        self.assertFalse(invoice._get_payment_link_qr_image())
        self.assertNotIn("islebooks_payment_link_qr", self._report_html(invoice))

        self.company.payment_link_pdf_qr = True
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertEqual(invoice.payment_state in ("paid", "in_payment"), True)
        self.assertFalse(invoice._get_payment_link_qr_image())
        self.assertNotIn("islebooks_payment_link_qr", self._report_html(invoice))

    def test_no_qr_code_on_revoked_link_or_credit_note(self):
        invoice = self._create_invoice()
        invoice._get_payment_links().action_revoke()
        self.assertFalse(invoice._get_payment_link_qr_image())
        refund = self.init_invoice("out_refund", partner=self.partner_a, amounts=[10.0], post=True)
        refund._get_payment_links()
        self.assertFalse(refund._get_payment_link_qr_image())
        self.assertNotIn("islebooks_payment_link_qr", self._report_html(refund))
