from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_link_validity = fields.Selection(
        related="company_id.payment_link_validity", readonly=False
    )
    payment_link_pdf_qr = fields.Boolean(related="company_id.payment_link_pdf_qr", readonly=False)
    payment_link_amount_in_words = fields.Boolean(
        related="company_id.payment_link_amount_in_words", readonly=False
    )
    payment_link_in_invoice_email = fields.Boolean(
        related="company_id.payment_link_in_invoice_email", readonly=False
    )
