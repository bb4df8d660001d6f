from odoo.tests import tagged

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestPortalTour(PaymentLinksHttpCommon):
    def test_staff_generates_link_customer_pays_two_invoices(self):
        customer = self.env["res.partner"].create(
            {"name": "Harbour Cafe", "email": "cafe@example.com", "customer_rank": 1}
        )
        invoices = self._create_invoices(1, customer, 100.0) | self._create_invoices(
            1, customer, 200.0
        )
        users_before = self.env["res.users"].with_context(active_test=False).search_count([])

        # Staff: Actions > Generate Payment Link on the customer.
        self.start_tour(
            f"/odoo/action-account.res_partner_action_customer/{customer.id}",
            "islebooks_generate_portal_link",
            login="accountman",
        )
        link = self.Link.search([("scope", "=", "portal"), ("partner_id", "=", customer.id)])
        self.assertEqual(len(link), 1)
        self.assertEqual(link.state, "active")
        self.assertEqual(
            self.env["res.users"].with_context(active_test=False).search_count([]), users_before
        )
        # Share… (the tour stubs the share sheet) noted the share on the customer.
        self.assertEqual(
            customer.message_ids[:1].body,
            "<p>Portal payment link shared from the device's share sheet by "
            f"{self.env.user.name}.</p>",
        )

        # Customer, logged out: pays both invoices at once.
        self.start_tour(f"/pay/{link.token}", "islebooks_portal_pay_two")
        tx = self.env["payment.transaction"].search([("islebooks_payment_link_id", "=", link.id)])
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.invoice_ids, invoices)
        self.assertEqual(tx.amount, 300.0)
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.is_post_processed)
        for invoice in invoices:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(link.payment_count, 1)
