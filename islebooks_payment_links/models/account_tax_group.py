from odoo import models


class AccountTaxGroup(models.Model):
    _name = "account.tax.group"
    _inherit = ["account.tax.group", "islebooks.payment.page.cache"]

    # What the invoice page's totals (Odoo's tax_totals, a t-cache per invoice)
    # show of a group.
    _payment_page_fields = frozenset({"name", "sequence", "preceding_subtotal"})
