from odoo import models


class AccountTax(models.Model):
    _inherit = "account.tax"

    def write(self, vals):
        result = super().write(vals)
        if "name" in vals:
            # The payment pages draw an invoice's lines, with their taxes'
            # names, once per change of the invoice (t-cache): a renamed tax
            # shows on the next view.
            self.env.registry.clear_cache()
        return result
