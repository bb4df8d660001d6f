from odoo import api, models


class PaymentMethod(models.Model):
    _inherit = "payment.method"

    # The payment pages memoise their providers and payment methods
    # (payment.provider._get_payment_link_option_ids).

    @api.model_create_multi
    def create(self, vals_list):
        methods = super().create(vals_list)
        self.env.registry.clear_cache()
        return methods

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
