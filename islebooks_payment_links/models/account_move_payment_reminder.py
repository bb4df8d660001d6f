from odoo import fields, models

from ..tools.constants import STAFF_GROUP


class AccountMove(models.Model):
    """The invoice's side of the payment reminders (see islebooks.payment.reminder):
    the opt-out, what was sent, the due date the steps count from, and which
    invoices are being paid right now."""

    _inherit = "account.move"

    payment_reminder_disabled = fields.Boolean(
        "No reminder",
        copy=False,
        tracking=True,
        groups=STAFF_GROUP,
        help="Never send a payment reminder about this invoice (e.g. it is disputed).",
    )
    payment_reminder_count = fields.Integer(
        "Reminders", compute="_compute_payment_reminder_stats", groups=STAFF_GROUP
    )
    payment_reminder_last_date = fields.Datetime(
        "Last reminder", compute="_compute_payment_reminder_stats", groups=STAFF_GROUP
    )
    payment_reminder_due_date = fields.Date(
        "Reminded due date",
        compute="_compute_payment_reminder_due_date",
        groups=STAFF_GROUP,
        help="Due date of what the invoice asks today: its early-payment discount's, its "
        "next (or first overdue) installment's, else the invoice's.",
    )

    def _compute_payment_reminder_stats(self):
        groups = self.env["islebooks.payment.reminder"]._read_group(
            [("move_ids", "in", self.ids), ("state", "=", "sent")],
            ["move_ids"],
            ["__count", "sent_at:max"],
        )
        stats = {move.id: (count, last) for move, count, last in groups}
        for move in self:
            move.payment_reminder_count, move.payment_reminder_last_date = stats.get(
                move.id, (0, False)
            )

    def _compute_payment_reminder_due_date(self):
        due_dates = self._get_payment_reminder_due_dates() if self.ids else {}
        for move in self:
            move.payment_reminder_due_date = due_dates.get(move.id, move.invoice_date_due)

    def _get_payment_reminder_due_dates(self):
        """``{invoice id: due date}`` the reminder steps count from, for many invoices.

        The due date of what Odoo's page asks today (``_get_amount_due_values``):
        a running early-payment discount's deadline, the next or first overdue
        installment's, else the invoice's (see ``_get_amounts_due_by_id``).
        """
        return self.sudo()._get_amounts_due_by_id("due_date")

    def _get_payment_reminder_blocked(self):
        """Ids of these invoices being paid right now: an online payment in progress
        or a bank-transfer confirmation waiting for review. Two queries."""
        if not self:
            return set()
        moves = self.sudo()
        blocked = {
            move.id for move in moves if move._is_open_invoice() and move._get_payment_blocker()
        }
        groups = (
            self.env["islebooks.payment.confirmation"]
            .sudo()
            ._read_group(
                [("invoice_ids", "in", self.ids), ("state", "=", "pending")], ["invoice_ids"]
            )
        )
        blocked.update(move.id for (move,) in groups if move.id in self.ids)
        return blocked
