import base64

from odoo.tests import tagged

from .test_payment_confirmation_http import PaymentConfirmationHttpCommon

# Same bytes as PROOF_PNG in static/tests/tours/payment_confirmation_tour.js.
TOUR_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGPkqjjBwMDAxMDAwMDAAAAO5AFO"
    "RZ0V2QAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestPaymentConfirmationTour(PaymentConfirmationHttpCommon):
    def _approve_in_backend(self, confirmation, amount, invoices):
        """Staff approve ``confirmation`` in the backend: one payment settles ``invoices``."""
        self.start_tour(
            "/odoo/action-islebooks_payment_links.islebooks_payment_confirmation_action",
            "islebooks_payment_confirmation_approve",
            login=self.env.user.login,
        )
        self.assertEqual(confirmation.state, "approved")
        self.assertEqual(len(confirmation.payment_ids), 1)
        self.assertEqual(confirmation.payment_ids.amount, amount)
        self.assertEqual(confirmation.payment_ids.journal_id, self.bank_journal)
        for invoice in invoices:
            self.assertIn(invoice.payment_state, ("in_payment", "paid"))
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))

    def test_customer_reports_transfer_and_staff_approves(self):
        self.start_tour(self.url, "islebooks_payment_confirmation_customer")

        confirmation = self.env["islebooks.payment.confirmation"].search(
            [("link_id", "=", self.link.id)]
        )
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.state, "pending")
        self.assertEqual(confirmation.invoice_ids, self.invoice_a)
        self.assertEqual(confirmation.amount, 1000.0)
        self.assertEqual(confirmation.bank_reference, "TOUR-REF-0001")
        self.assertEqual(confirmation.proof_attachment_id.mimetype, "image/png")
        self.assertEqual(confirmation.proof_attachment_id.raw, TOUR_PNG)
        self.assertEqual(confirmation.activity_ids.user_id, self.salesperson)
        self.assertEqual(self.invoice_a.payment_state, "not_paid")

        self._approve_in_backend(confirmation, 1000.0, self.invoice_a)

    def test_portal_customer_reports_one_transfer_for_two_invoices(self):
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", self.partner_a)
        self.start_tour(f"/pay/{portal.token}", "islebooks_payment_confirmation_portal")

        confirmation = self.env["islebooks.payment.confirmation"].search(
            [("link_id", "=", portal.id)]
        )
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.invoice_ids, self.invoice_a | self.invoice_b)
        self.assertEqual(confirmation.amount, 1500.0)
        self.assertEqual(confirmation.proof_attachment_id.raw, TOUR_PNG)

        self._approve_in_backend(confirmation, 1500.0, self.invoice_a | self.invoice_b)
