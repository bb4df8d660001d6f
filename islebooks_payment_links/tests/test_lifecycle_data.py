import importlib.util

from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path

from .common import PaymentLinksCommon


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
        # Only the addon's own transient dialog's rows (a many2many) go with their link.
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
        self.assertEqual(set(pointing) - set(business), set())
        field = self.env["islebooks.payment.link.wizard"]._fields["link_ids"]
        self.assertEqual((field.type, field.ondelete), ("many2many", "cascade"))

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


def _migration(version):
    path = file_path(f"islebooks_payment_links/migrations/{version}/post-migrate.py")
    spec = importlib.util.spec_from_file_location(f"islebooks_post_migrate_{version}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestUpgradeKeepsStaffEdits(PaymentLinksCommon):
    """Upgrading keeps what staff wrote in the WhatsApp messages.

    From 18.0.1.0.0 the messages ask the payment-terms amount; from 18.0.1.1.0 they
    move from mail templates (HTML) to plain-text WhatsApp templates.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")

    def _legacy_template(self, xmlid, model, body, edited=True):
        """The noupdate mail template an older database holds (edited by staff later)."""
        template = self.env["mail.template"].create(
            {
                "name": xmlid,
                "model_id": self.env["ir.model"]._get_id(model),
                "lang": "{{ object.lang }}",
                "body_html": body,
            }
        )
        self.env["ir.model.data"].create(
            {
                "module": "islebooks_payment_links",
                "name": xmlid,
                "model": "mail.template",
                "res_id": template.id,
                "noupdate": True,
            }
        )
        template.flush_recordset()
        if edited:
            # Installed long before the edit.
            self.env.cr.execute(
                "UPDATE mail_template SET create_date = create_date - interval '30 days'"
                " WHERE id = %s",
                [template.id],
            )
            template.invalidate_recordset(["create_date"])
        return template

    def test_old_amount_rewritten_and_edits_kept(self):
        # The body a 18.0.1.0.0 database holds, edited by staff in English and French.
        template = self._legacy_template(
            "mail_template_whatsapp_invoice",
            "account.move",
            '<p>Dear customer, you owe <t t-out="format_amount(object.amount_residual, '
            'object.currency_id)"/>.</p>',
        )
        template.with_context(lang="fr_FR").body_html = (
            '<p>Cher client, vous devez <t t-out="format_amount(object.amount_residual, '
            'object.currency_id)"/>.</p>'
        )
        template.flush_recordset()
        migration = _migration("18.0.1.1.0")
        migration.migrate(self.env.cr, "18.0.1.0.0")
        for lang, text in (
            ("en_US", "Dear customer, you owe"),
            ("fr_FR", "Cher client, vous devez"),
        ):
            body = template.with_context(lang=lang).body_html
            self.assertIn(text, body)
            self.assertIn("format_amount(object.payment_link_amount_due, object.currency_id)", body)
            self.assertNotIn("amount_residual", body)
        # Run again (a second upgrade): nothing changes.
        migration.migrate(self.env.cr, "18.0.1.0.0")
        self.assertIn("Dear customer, you owe", template.body_html)

    def test_shipped_html_converts_to_the_same_message(self):
        """The conversion of 18.0.1.1.0's shipped body prints what its HTML printed."""
        migration = _migration("18.0.1.2.0")
        convert = migration.html_to_inline_template
        shipped = """<div>
    <p>Hello <t t-out="object.partner_id.name or ''">Ahmed</t>,</p>
    <p>Here is your invoice <b><t t-out="object.name or ''">INV/2026/00001</t></b> from <t t-out="object.company_id.name or ''">YourCompany</t>.<br/>
        Amount due: <b><t t-out="format_amount(object.payment_link_amount_due, object.currency_id) or ''">MVR 1,500.00</t></b>
        <t t-if="object.invoice_date_due"><br/>Due date: <t t-out="format_date(object.invoice_date_due) or ''">12/31/2026</t></t>
    </p>
    <p>View, download and pay it online:<br/><t t-out="object.payment_link_url or ''">https://example.com/pay/…</t></p>
    <p>Thank you!</p>
</div>"""  # noqa: E501
        template = self.env.ref("islebooks_payment_links.whatsapp_template_invoice")
        invoice = self._create_invoice(amount=1500.0, date_due="2026-12-31")
        invoice._get_payment_links()
        shipped_text = template._render_message(invoice)
        template.body = convert(shipped)
        self.assertNotIn("<", template.body)
        self.assertEqual(template._render_message(invoice), shipped_text)
        self.assertIn("\nDue date: 12/31/2026\n\n", shipped_text)
        # Without a due date, the condition drops its line and nothing else.
        invoice.invoice_date_due = False
        self.assertEqual(
            template._render_message(invoice), shipped_text.replace("\nDue date: 12/31/2026", "")
        )
        self.assertEqual(convert(""), "")
        # Loops and variables have no plain-text form.
        with self.assertRaises(migration.Unconvertible):
            convert('<p t-foreach="invoices" t-as="invoice"><t t-out="invoice.name"/></p>')

    def test_edited_whatsapp_text_moves_to_the_plain_text_template(self):
        portal = self._legacy_template(
            "mail_template_whatsapp_portal",
            "res.partner",
            '<p>Dear <t t-out="object.name"/> &amp; family,</p>'
            '<p t-if="total_due">You owe <b><t t-out="total_due"/></b>.</p>'
            '<p>Pay here:<br/><t t-out="portal_url"/></p>',
        )
        french = '<p>Cher <t t-out="object.name"/>,</p><p>Payez ici : <t t-out="portal_url"/></p>'
        portal.with_context(lang="fr_FR").body_html = french
        # Staff edited this one with a loop: it keeps the shipped text.
        several = self._legacy_template(
            "mail_template_whatsapp_invoices",
            "res.partner",
            '<p t-foreach="invoices" t-as="invoice"><t t-out="invoice.name"/></p>',
        )
        # Never edited: the shipped text of this version replaces it.
        one = self._legacy_template(
            "mail_template_whatsapp_invoice", "account.move", "<p>Old text</p>", edited=False
        )
        new_one = self.env.ref("islebooks_payment_links.whatsapp_template_invoice")
        new_several = self.env.ref("islebooks_payment_links.whatsapp_template_invoices")
        shipped = {new_one: new_one.body, new_several: new_several.body}
        portal.flush_recordset()
        with self.assertLogs("odoo.addons.islebooks_payment_links", "WARNING") as logs:
            _migration("18.0.1.2.0").migrate(self.env.cr, "18.0.1.1.0")
        self.assertIn("t-as, t-foreach", "\n".join(logs.output))
        self.assertFalse((portal | several | one).exists(), "the old templates are gone")
        self.assertFalse(
            self.env.ref("islebooks_payment_links.mail_template_whatsapp_portal", False)
        )
        self.assertEqual(new_one.body, shipped[new_one])
        self.assertEqual(new_several.body, shipped[new_several])

        new_portal = self.env.ref("islebooks_payment_links.whatsapp_template_portal")
        customer = self.env["res.partner"].create({"name": "Aishath Ali", "lang": "en_US"})
        context = {"portal_url": "https://example.com/pay/abc", "total_due": "MVR 10.00"}
        self.assertEqual(
            new_portal._render_message(customer, add_context=context),
            "Dear Aishath Ali & family,\n\nYou owe *MVR 10.00*.\n\n"
            "Pay here:\nhttps://example.com/pay/abc",
        )
        self.assertEqual(
            new_portal._render_message(customer, add_context={**context, "total_due": ""}),
            "Dear Aishath Ali & family,\n\nPay here:\nhttps://example.com/pay/abc",
        )
        customer.lang = "fr_FR"
        self.assertEqual(
            new_portal._render_message(customer, add_context=context),
            "Cher Aishath Ali,\n\nPayez ici : https://example.com/pay/abc",
        )
