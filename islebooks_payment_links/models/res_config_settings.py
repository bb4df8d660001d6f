from odoo import _, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_link_validity = fields.Selection(
        related="company_id.payment_link_validity", readonly=False
    )
    whatsapp_link_mode = fields.Selection(
        related="company_id.whatsapp_link_mode", readonly=False
    )

    def action_open_whatsapp_templates(self):
        """The two message templates of Send via WhatsApp, to edit and translate."""
        templates = self.env.ref(
            "islebooks_payment_links.mail_template_whatsapp_invoice"
        ) | self.env.ref("islebooks_payment_links.mail_template_whatsapp_invoices")
        return {
            "type": "ir.actions.act_window",
            "name": _("WhatsApp messages"),
            "res_model": "mail.template",
            "domain": [("id", "in", templates.ids)],
            "views": [(False, "list"), (False, "form")],
        }
