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
    payment_confirmation_enabled = fields.Boolean(
        "Bank transfer confirmations",
        help="Customers can report a bank transfer with a proof on their payment page.",
    )
    payment_confirmation_journal_id = fields.Many2one(
        "account.journal",
        string="Confirmation journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', id)]",
        help="Approved confirmations register their payment in this journal.",
    )
    payment_confirmation_max_size = fields.Integer(
        "Maximum proof size (MB)", default=5, help="Larger proof files are refused."
    )
    payment_confirmation_proof_required = fields.Boolean("Proof required", default=True)
    payment_confirmation_allow_overpayment = fields.Boolean(
        "Allow over-payment",
        help="Accept confirmations for more than the amount due; the excess stays as credit.",
    )
    payment_confirmation_user_id = fields.Many2one(
        "res.users",
        string="Confirmation reviewer",
        domain="[('share', '=', False)]",
        help="Gets a review activity for every new confirmation. When empty, the "
        "invoice's salesperson does.",
    )
