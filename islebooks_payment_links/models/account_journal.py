from odoo import models


class AccountJournal(models.Model):
    _name = "account.journal"
    _inherit = ["account.journal", "islebooks.payment.page.cache"]

    # What the payment pages' bank details read (res.company._payment_link_bank_accounts).
    _payment_page_fields = frozenset(
        {"type", "bank_account_id", "active", "company_id", "sequence", "code"}
    )
