from odoo import models


class AccountTaxGroup(models.Model):
    _name = "account.tax.group"
    _inherit = ["account.tax.group", "islebooks.payment.page.cache"]

    # What the invoice page's totals show of a group (a t-cache per invoice;
    # account.move._get_link_page_totals).
    _payment_page_fields = frozenset({"name", "sequence", "preceding_subtotal"})
