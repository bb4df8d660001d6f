from odoo import _, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_reminder_sms = fields.Boolean(related="company_id.payment_reminder_sms", readonly=False)

    def action_open_payment_link_sms_templates(self):
        """The SMS texts of Send by SMS, Generate Payment Link and the reminders,
        to edit and translate (Odoo's SMS templates)."""
        templates = self.env["sms.template"].browse(
            [
                self.env.ref(f"islebooks_payment_links_sms.{xmlid}").id
                for xmlid in (
                    "sms_template_invoice",
                    "sms_template_invoices",
                    "sms_template_portal",
                    "sms_template_payment_reminder",
                )
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("SMS messages"),
            "res_model": templates._name,
            "domain": [("id", "in", templates.ids)],
            "views": [(False, "list"), (False, "form")],
        }
