from odoo.fields import Command
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestPaymentLinkKeepsBusinessData(TransactionCase):
    """Links hang off business records; nothing of the business hangs off links."""

    def test_ondelete_choices(self):
        Link = self.env["islebooks.payment.link"]
        self.assertEqual(Link._fields["move_id"].ondelete, "cascade")
        self.assertEqual(Link._fields["partner_id"].ondelete, "cascade")
        # No field of any other model points at a link with a cascade: deleting
        # links (or uninstalling the addon, which drops its table) removes
        # nothing else.
        pointing = [
            f"{field.model_name}.{field.name}"
            for model in self.env.registry.values()
            for field in model._fields.values()
            if field.type == "many2one"
            and field.comodel_name in ("islebooks.payment.link", "islebooks.payment.link.throttle")
            and field.model_name not in ("islebooks.payment.link",)
            and field.store
            and field.ondelete == "cascade"
        ]
        self.assertEqual(pointing, [])

    def test_deleting_links_keeps_invoice_payment_and_pdf(self):
        partner = self.env["res.partner"].create({"name": "Lagoon Café", "email": "l@example.com"})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Catering", "price_unit": 80.0, "tax_ids": [Command.clear()]}
                    )
                ],
            }
        )
        invoice.action_post()
        links = invoice._get_payment_links()
        pdf = invoice._get_legal_pdf()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        payments = invoice.matched_payment_ids | self.env["account.payment"].search(
            [("partner_id", "=", partner.id)]
        )
        self.assertTrue(payments)
        (links | self.env["islebooks.payment.link"].search([("move_id", "=", invoice.id)])).unlink()
        self.assertTrue(invoice.exists())
        self.assertTrue(payments.exists())
        self.assertTrue(pdf.exists())
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_deleting_an_invoice_deletes_its_links(self):
        partner = self.env["res.partner"].create({"name": "Reef Bar"})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [Command.create({"name": "Ice", "price_unit": 5.0})],
            }
        )
        invoice.action_post()
        link = invoice._get_payment_links()
        invoice.button_draft()
        invoice.with_context(force_delete=True).unlink()
        self.assertFalse(link.exists())
