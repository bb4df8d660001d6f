from odoo.tests import tagged

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestPaymentLinkTours(PaymentLinksHttpCommon):
    def test_staff_copies_two_invoice_urls(self):
        invoices = self._create_invoices(2)
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "islebooks_copy_invoice_urls",
            login="accountman",
        )
        links = invoices.payment_link_ids
        self.assertEqual(len(links), 2, "Copy Invoice URL made one link per invoice")
        self.assertEqual(set(links.mapped("state")), {"active"})
        # Share… (the tour stubs the share sheet) noted the share on each invoice.
        for invoice in invoices:
            self.assertEqual(
                invoice.message_ids[:1].body,
                "<p>Payment link shared from the device's share sheet by "
                f"{self.env.user.name}.</p>",
            )

    def test_customer_pays_with_demo_provider(self):
        invoice = self._create_invoice(amount=321.0)
        path = self._invoice_path(invoice)
        self.start_tour(path, "islebooks_pay_invoice_demo")
        tx = invoice.transaction_ids
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.provider_id, self.demo_provider)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.amount, 321.0)
        self.assertTrue(tx.is_post_processed)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        response = self.url_open(path)
        self.assertIn("o_islebooks_paid", response.text)
        self.assertNotIn("o_payment_submit_button", response.text)
