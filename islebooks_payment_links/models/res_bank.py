from odoo import models


class ResBank(models.Model):
    _name = "res.bank"
    _inherit = ["res.bank", "islebooks.payment.page.cache"]

    # The payment pages' bank details show a bank's name and BIC
    # (res.company._payment_link_bank_accounts).
    _payment_page_fields = frozenset({"name", "bic"})
