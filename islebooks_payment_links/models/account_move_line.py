from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def reconcile(self):
        """A payment stops the reminders of what it settles at once (see
        islebooks.payment.reminder._prune_settled)."""
        res = super().reconcile()
        invoices = self.move_id.filtered(lambda move: move.move_type == "out_invoice")
        if invoices:
            self.env["islebooks.payment.reminder"]._prune_settled(moves=invoices)
        return res
