from odoo.tests import tagged

from .common import PaymentLinksCommon


@tagged("post_install", "-at_install")
class TestInvoiceEmail(PaymentLinksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_unready()

    def _send_wizard(self, invoice):
        return (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )

    def test_send_by_email_contains_payment_link(self):
        self._make_ready()
        self.partner_a.with_company(self.company).invoice_sending_method = "email"
        invoice = self._create_invoice()
        wizard = self._send_wizard(invoice)
        self.assertEqual(wizard.sending_methods, ["email"])
        body = wizard.mail_body
        invoice.invalidate_recordset()
        link = invoice.payment_link_id
        self.assertTrue(link, "the email's link is created when the message is composed")
        self.assertIn(f"/pay/{link.token}", body)
        wizard.action_send_and_print()
        message = invoice.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        self.assertIn(f"/pay/{link.token}", message.body)
        self.assertIn(f"Pay {invoice.name} online", message.body)
        self.assertIn(self.partner_a, message.partner_ids)
        # Sending again reuses the same link.
        self.assertIn(f"/pay/{link.token}", self._send_wizard(invoice).mail_body)
        self.assertEqual(invoice.payment_link_ids, link)

    def test_no_link_when_nothing_set_up_option_off_or_paid(self):
        invoice = self._create_invoice()
        # Nowhere to pay: the email goes out without a dead-end link.
        self.assertNotIn("/pay/", self._send_wizard(invoice).mail_body)
        invoice.invalidate_recordset()
        self.assertFalse(invoice.payment_link_ids)

        self._make_ready()
        self.company.payment_link_in_invoice_email = False
        self.assertNotIn("/pay/", self._send_wizard(invoice).mail_body)
        invoice.invalidate_recordset()
        self.assertFalse(invoice.payment_link_ids)

        self.company.payment_link_in_invoice_email = True
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertNotIn("/pay/", self._send_wizard(invoice).mail_body)
        invoice.invalidate_recordset()
        self.assertFalse(invoice.payment_link_ids)

    def test_batch_send_puts_each_invoice_link_in_its_email(self):
        self._make_ready()
        invoices = self._create_invoice(amount=10.0) | self._create_invoice(amount=20.0)
        self.env["account.move.send"]._generate_and_send_invoices(
            invoices, sending_methods=["email"]
        )
        invoices.invalidate_recordset()
        for invoice in invoices:
            link = invoice.payment_link_id
            self.assertTrue(link)
            message = invoice.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
            self.assertIn(f"/pay/{link.token}", message.body)
