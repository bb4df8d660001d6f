from odoo import api, models

# What the payment pages' bank details depend on (res.company._payment_link_bank_accounts).
BANK_DETAILS_FIELDS = {"type", "bank_account_id", "active", "company_id", "sequence", "code"}


class AccountJournal(models.Model):
    _inherit = "account.journal"

    @api.model_create_multi
    def create(self, vals_list):
        journals = super().create(vals_list)
        if any(journal.type == "bank" for journal in journals):
            self.env.registry.clear_cache()
        return journals

    def write(self, vals):
        result = super().write(vals)
        if BANK_DETAILS_FIELDS & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
