from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_link_validity = fields.Selection(
        related="company_id.payment_link_validity", readonly=False
    )
    payment_link_allow_partial = fields.Boolean(
        related="company_id.payment_link_allow_partial", readonly=False
    )
