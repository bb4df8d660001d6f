from odoo import models


class AccountTax(models.Model):
    _name = "account.tax"
    _inherit = ["account.tax", "islebooks.payment.page.cache"]

    # The invoice page's lines show their taxes' names (a t-cache per invoice).
    _payment_page_fields = frozenset({"name"})
