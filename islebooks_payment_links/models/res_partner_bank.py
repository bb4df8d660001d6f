from odoo import models


class ResPartnerBank(models.Model):
    # The payment pages' bank details (res.company._payment_link_bank_accounts):
    # any change of a bank account.
    _name = "res.partner.bank"
    _inherit = ["res.partner.bank", "islebooks.payment.page.cache"]
