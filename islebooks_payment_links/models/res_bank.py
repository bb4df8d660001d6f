from odoo import models


class ResBank(models.Model):
    _inherit = "res.bank"

    # The payment pages cache the banks' names and BICs with the companies'
    # bank details (res.company._payment_link_bank_accounts).

    def write(self, vals):
        result = super().write(vals)
        if {"name", "bic"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
