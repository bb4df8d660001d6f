from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    payment_link_validity = fields.Selection(
        [("0", "No expiry"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year")],
        string="Payment link validity",
        default="0",
        required=True,
        help="How long a newly created payment link opens. Existing links keep their own expiry.",
    )
    whatsapp_link_mode = fields.Selection(
        [("app", "WhatsApp app (wa.me)"), ("web", "WhatsApp Web")],
        string="Open WhatsApp in",
        default="app",
        required=True,
        help="wa.me opens the WhatsApp app on phones and asks on computers; WhatsApp Web "
        "opens web.whatsapp.com directly (or the desktop app, where installed).",
    )
