from odoo import api, models


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    # The payment pages cache the companies' bank details
    # (res.company._payment_link_bank_accounts): any change clears it.

    @api.model_create_multi
    def create(self, vals_list):
        accounts = super().create(vals_list)
        self.env.registry.clear_cache()
        return accounts

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
