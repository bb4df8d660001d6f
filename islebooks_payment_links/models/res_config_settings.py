from odoo import _, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_link_validity = fields.Selection(
        related="company_id.payment_link_validity", readonly=False
    )
    whatsapp_link_mode = fields.Selection(related="company_id.whatsapp_link_mode", readonly=False)

    payment_confirmation_enabled = fields.Boolean(
        related="company_id.payment_confirmation_enabled", readonly=False
    )
    payment_confirmation_journal_id = fields.Many2one(
        related="company_id.payment_confirmation_journal_id", readonly=False
    )
    payment_confirmation_max_size = fields.Integer(
        related="company_id.payment_confirmation_max_size", readonly=False
    )
    payment_confirmation_proof_required = fields.Boolean(
        related="company_id.payment_confirmation_proof_required", readonly=False
    )
    payment_confirmation_allow_overpayment = fields.Boolean(
        related="company_id.payment_confirmation_allow_overpayment", readonly=False
    )
    payment_confirmation_user_id = fields.Many2one(
        related="company_id.payment_confirmation_user_id", readonly=False
    )

    payment_link_pdf_qr = fields.Boolean(related="company_id.payment_link_pdf_qr", readonly=False)
    payment_link_amount_in_words = fields.Boolean(
        related="company_id.payment_link_amount_in_words", readonly=False
    )
    payment_link_in_invoice_email = fields.Boolean(
        related="company_id.payment_link_in_invoice_email", readonly=False
    )
    payment_link_allow_partial = fields.Boolean(
        related="company_id.payment_link_allow_partial", readonly=False
    )
    payment_link_partial_min_percent = fields.Float(
        related="company_id.payment_link_partial_min_percent", readonly=False
    )

    payment_link_receipt_email = fields.Boolean(
        related="company_id.payment_link_receipt_email", readonly=False
    )

    payment_reminder_enabled = fields.Boolean(
        related="company_id.payment_reminder_enabled", readonly=False
    )
    payment_reminder_steps = fields.Char(
        related="company_id.payment_reminder_steps", readonly=False
    )
    payment_reminder_min_interval = fields.Integer(
        related="company_id.payment_reminder_min_interval", readonly=False
    )
    payment_reminder_attach_statement = fields.Boolean(
        related="company_id.payment_reminder_attach_statement", readonly=False
    )

    def _open_whatsapp_templates(self, xmlids, name):
        templates = self.env["islebooks.whatsapp.template"].browse(
            [self.env.ref(f"islebooks_payment_links.{xmlid}").id for xmlid in xmlids]
        )
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": templates._name,
            "domain": [("id", "in", templates.ids)],
            "views": [(False, "list"), (False, "form")],
        }

    def action_open_whatsapp_templates(self):
        """The two message templates of Send via WhatsApp, to edit and translate."""
        return self._open_whatsapp_templates(
            ["whatsapp_template_invoice", "whatsapp_template_invoices"], _("WhatsApp messages")
        )

    def action_open_payment_reminder_templates(self):
        """The email of payment reminders, to edit and translate."""
        template = self.env.ref("islebooks_payment_links.mail_template_payment_reminder")
        return {
            "type": "ir.actions.act_window",
            "name": _("Payment reminder messages"),
            "res_model": "mail.template",
            "domain": [("id", "in", template.ids)],
            "views": [(False, "list"), (False, "form")],
        }

    def action_open_payment_reminder_whatsapp_templates(self):
        """The WhatsApp texts of payment reminders, to edit and translate."""
        return self._open_whatsapp_templates(
            ["whatsapp_template_payment_reminder", "whatsapp_template_payment_reminders"],
            _("Payment reminder WhatsApp messages"),
        )
