from odoo import models


class PaymentMethod(models.Model):
    # What a payment form offers (payment.provider._get_payment_link_option_ids):
    # any change of a payment method.
    _name = "payment.method"
    _inherit = ["payment.method", "islebooks.payment.page.cache"]
