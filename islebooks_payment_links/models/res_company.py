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

    payment_link_allow_partial = fields.Boolean(
        "Partial payments through links",
        help="Let customers pay part of a single invoice from their portal link, "
        "up to its amount due.",
    )
