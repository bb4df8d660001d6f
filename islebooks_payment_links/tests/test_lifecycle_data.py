import importlib.util

from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path


@tagged("post_install", "-at_install")
class TestPaymentLinkKeepsBusinessData(TransactionCase):
    """Links hang off business records; nothing of the business hangs off links."""

    def test_ondelete_choices(self):
        Link = self.env["islebooks.payment.link"]
        self.assertEqual(Link._fields["move_id"].ondelete, "cascade")
        self.assertEqual(Link._fields["partner_id"].ondelete, "cascade")
        # Business records may point at a link (a transaction paid through it, a
        # confirmation sent from it, a reminder that carried it), but only with
        # "set null": deleting links, or uninstalling the addon, never removes
        # nor blocks anything else.
        # Only the addon's own transient dialog lines go with their link.
        pointing = {
            f"{field.model_name}.{field.name}": field.ondelete
            for model in self.env.registry.values()
            for field in model._fields.values()
            if field.type == "many2one"
            and field.comodel_name in ("islebooks.payment.link", "islebooks.payment.link.throttle")
            and field.model_name != "islebooks.payment.link"
            and field.store
        }
        business = {
            name: ondelete
            for name, ondelete in pointing.items()
            if not self.env[name.rsplit(".", 1)[0]].is_transient()
        }
        self.assertEqual(
            business,
            {
                "payment.transaction.islebooks_payment_link_id": "set null",
                "islebooks.payment.confirmation.link_id": "set null",
                "islebooks.payment.reminder.link_id": "set null",
            },
        )
        self.assertEqual(
            set(pointing) - set(business), {"islebooks.payment.link.wizard.line.link_id"}
        )
        self.assertEqual(pointing["islebooks.payment.link.wizard.line.link_id"], "cascade")

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


@tagged("post_install", "-at_install")
class TestUpgradeKeepsStaffEdits(TransactionCase):
    """Upgrading from 18.0.1.0.0: the WhatsApp messages ask the payment-terms amount."""

    def _migrate(self):
        path = file_path("islebooks_payment_links/migrations/18.0.1.1.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("islebooks_post_migrate", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.0.0")

    def test_old_amount_rewritten_and_edits_kept(self):
        template = self.env.ref("islebooks_payment_links.mail_template_whatsapp_invoice")
        self.env["res.lang"]._activate_lang("fr_FR")
        # The body a 18.0.1.0.0 database holds, edited by staff in English and French.
        template.body_html = (
            '<p>Dear customer, you owe <t t-out="format_amount(object.amount_residual, '
            'object.currency_id)"/>.</p>'
        )
        template.with_context(lang="fr_FR").body_html = (
            '<p>Cher client, vous devez <t t-out="format_amount(object.amount_residual, '
            'object.currency_id)"/>.</p>'
        )
        template.flush_recordset()
        self._migrate()
        for lang, text in (
            ("en_US", "Dear customer, you owe"),
            ("fr_FR", "Cher client, vous devez"),
        ):
            body = template.with_context(lang=lang).body_html
            self.assertIn(text, body)
            self.assertIn("format_amount(object.payment_link_amount_due, object.currency_id)", body)
            self.assertNotIn("amount_residual", body)
        # Run again (a second upgrade): nothing changes.
        self._migrate()
        self.assertIn("Dear customer, you owe", template.body_html)
