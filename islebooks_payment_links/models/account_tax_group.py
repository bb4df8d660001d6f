from odoo import models

# What the payment pages' totals show of a tax group (account_move._get_link_page_totals).
TOTALS_FIELDS = {"name", "sequence", "preceding_subtotal"}


class AccountTaxGroup(models.Model):
    _inherit = "account.tax.group"

    def write(self, vals):
        result = super().write(vals)
        if TOTALS_FIELDS & set(vals):
            # The totals are drawn once per change of the invoice (t-cache):
            # a renamed or reordered group shows on the next view.
            self.env.registry.clear_cache()
        return result
