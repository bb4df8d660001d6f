from odoo import _, models
from odoo.exceptions import ValidationError

from ..tools.constants import BUSY_TX_STATES
from ..tools.locks import PAYMENT_START_ITEM, try_advisory_locks


class AccountMoveLine(models.Model):
    """The journal items a Customer Portal lists as "Other amounts due": open
    receivable items without an invoice (``res.partner._get_open_items_domain``)."""

    _inherit = "account.move.line"

    def reconcile(self):
        """A payment stops the reminders of what it settles at once (see
        islebooks.payment.reminder._prune_settled)."""
        res = super().reconcile()
        invoices = self.move_id.filtered(lambda move: move.move_type == "out_invoice")
        if invoices:
            self.env["islebooks.payment.reminder"]._prune_settled(moves=invoices)
        return res

    def _get_item_asks(self):
        """``{item id: amount}``: what paying each of these other amounts due
        asks, its whole residual in its currency (0.0 once settled)."""
        return {
            line.id: line.currency_id.round(line.amount_residual_currency)
            if not line.reconciled
            else 0.0
            for line in self
        }

    def _lock_for_link_payment(self):
        """Start a payment of these other amounts due, or raise a ValidationError:
        as ``account.move._lock_for_link_payment``, one payment of an item
        starts at a time (an advisory lock tried without waiting)."""
        if self and len(try_advisory_locks(self.env.cr, PAYMENT_START_ITEM, self.ids)) < len(self):
            raise ValidationError(
                _("A payment is already being started for this invoice. Please wait a moment.")
            )

    def _get_item_reference(self):
        """What the customer knows this amount by: the entry's reference (a
        Point of Sale order, an opening balance's label) or its number."""
        self.ensure_one()
        return self.ref or self.move_name or self.name or ""

    def _get_item_payment_blockers(self):
        """``{item id: why it cannot be paid online right now}`` for those of
        these other amounts due that cannot (one query for all of them)."""
        blockers = {}
        for line in self:
            if line.parent_state != "posted":
                blockers[line.id] = _("This document cannot be paid online.")
            elif line.reconciled or line.currency_id.is_zero(line.amount_residual_currency):
                blockers[line.id] = _("This amount is paid.")
        if not self:
            return blockers
        # A payment in progress, or done and not yet registered (the residual
        # still shows what it pays), as for an invoice.
        pending = (
            self.env["payment.transaction"]
            .sudo()
            .search_fetch(
                [
                    ("islebooks_receivable_line_ids", "in", self.ids),
                    ("provider_code", "not in", ("none", "custom")),
                    "|",
                    ("state", "in", BUSY_TX_STATES),
                    "&",
                    ("state", "=", "done"),
                    ("is_post_processed", "=", False),
                ],
                ["islebooks_receivable_line_ids"],
            )
        )
        for line in pending.islebooks_receivable_line_ids & self:
            blockers.setdefault(line.id, _("A payment is being processed for this amount."))
        return blockers
