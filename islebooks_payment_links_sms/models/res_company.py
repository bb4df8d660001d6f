from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    payment_reminder_sms = fields.Boolean(
        "Payment reminders by SMS",
        help="Reminders also go by SMS, through Odoo's SMS service (credits): to customers who "
        "choose SMS, and in Automatic mode to those with a mobile number but no WhatsApp.",
    )
