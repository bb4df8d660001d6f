from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..tools.constants import BUSY_TX_STATES, OPEN_PAYMENT_STATES, SETTLED_PAYMENT_STATES


class AccountMove(models.Model):
    """Whether an invoice is open, settled or being paid: the one definition
    every page, message and check uses (domains for searches, the status
    badge, why it cannot be paid online now), and the unfinished online
    payments staff may clear."""

    _inherit = "account.move"

    payment_link_stale_tx_count = fields.Integer(
        "Unfinished link payments",
        compute="_compute_payment_link_stale_tx_count",
        groups="account.group_account_invoice",
        help="Online payments started through a payment link over an hour ago and never "
        "finished: they keep the customer from paying again until cleared.",
    )

    @api.model
    def _get_open_domain(self, move_type="out_invoice"):
        """Domain of the open documents of ``move_type``: ``_is_open_invoice`` in SQL."""
        return [
            ("move_type", "=", move_type),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
        ]

    @api.model
    def _get_settled_domain(self):
        """Domain of the settled documents (paid, in payment, reversed)."""
        return [("payment_state", "in", SETTLED_PAYMENT_STATES)]

    def _is_open_invoice(self):
        """Whether this is a posted customer invoice with something left to pay.

        Core's ``_has_to_be_paid()`` without its two conditions that are not
        about the invoice: the switch of Odoo's own portal payments
        (``account_payment.enable_portal_payment``, which a payment link does
        not depend on) and the transactions in progress, which
        ``_get_payment_blocker`` reports with their own message. Its one
        condition about the invoice kept apart: "in payment" (a payment
        registered, awaiting the bank) is settled here, as Odoo's portal badge
        says "Paid", so a link never asks for it twice. Not a call of it: it
        reads the switch and the transactions on every call.
        """
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in OPEN_PAYMENT_STATES
            and not self.currency_id.is_zero(self.amount_residual)
        )

    def _is_settled(self):
        """Whether a posted document has nothing left to pay (the "Paid" badge)."""
        self.ensure_one()
        return self.state == "posted" and (
            self.payment_state in SETTLED_PAYMENT_STATES
            or self.currency_id.is_zero(self.amount_residual)
        )

    def _get_status_badges(self):
        """``{move id: status}``: the one status badge every customer page shows
        (``payment_link_invoice_status`` maps it to its label): "cancelled",
        "draft" (being updated), "paid" (nothing left to pay, like Odoo's
        portal even before the bank statement is reconciled), "processing"
        (an online payment pending or authorized), "credit_note", "overdue"
        (due before today in the visitor's time zone, ``context_today``) or
        "unpaid". The open ones' transactions are read for all of them at once
        (one grouped query), unless the page has read them already."""
        today = fields.Date.context_today(self)
        open_moves = self.filtered(lambda move: move.state == "posted" and not move._is_settled())
        open_moves = open_moves.sudo()
        unread = self.env.cache.get_missing_ids(open_moves, self._fields["transaction_ids"])
        if any(True for _id in unread):
            # One grouped query for the open moves of a list.
            groups = (
                self.env["payment.transaction"]
                .sudo()
                ._read_group(
                    [("invoice_ids", "in", open_moves.ids), ("state", "in", BUSY_TX_STATES)],
                    ["invoice_ids"],
                )
            )
            processing = {invoice.id for (invoice,) in groups}
        else:
            # Already read by the page (the invoice page's payment blocker): no query.
            processing = {
                move.id
                for move in open_moves
                if any(tx.state in BUSY_TX_STATES for tx in move.transaction_ids)
            }
        statuses = {}
        for move in self:
            if move.state == "cancel":
                status = "cancelled"
            elif move.state == "draft":
                status = "draft"
            elif move not in open_moves:
                status = "paid"
            elif move.id in processing:
                status = "processing"
            elif move.move_type == "out_refund":
                status = "credit_note"
            elif move.invoice_date_due and move.invoice_date_due < today:
                status = "overdue"
            else:
                status = "unpaid"
            statuses[move.id] = status
        return statuses

    def _get_payment_blocker(self):
        """Why this invoice cannot be paid online right now, or an empty string."""
        self.ensure_one()
        if self.state == "cancel":
            return _("This invoice was cancelled: there is nothing to pay.")
        if self.state == "draft":
            return self._get_updating_message()
        if self.move_type != "out_invoice":
            return _("This document cannot be paid online.")
        if self._is_settled():
            return _("This invoice is paid.")
        if not self._is_open_invoice():  # e.g. payment blocked by the accountant
            return _("This document cannot be paid online.")
        # A done transaction not yet post-processed has not registered its
        # payment yet: the residual still shows the amount it is paying.
        pending = self.transaction_ids.filtered(
            lambda tx: (
                tx.provider_code not in ("none", "custom")
                and (
                    tx.state in BUSY_TX_STATES or (tx.state == "done" and not tx.is_post_processed)
                )
            )
        )
        if pending:
            return _("A payment is being processed for this invoice.")
        return ""

    def _get_stale_link_transactions(self):
        Transaction = self.env["payment.transaction"].sudo()
        return Transaction.search(
            [("invoice_ids", "in", self.ids), *Transaction._islebooks_stale_domain()]
        )

    def _compute_payment_link_stale_tx_count(self):
        stale = self._get_stale_link_transactions()
        for move in self:
            move.payment_link_stale_tx_count = len(
                stale.filtered(lambda tx, move=move: move in tx.invoice_ids)
            )

    def action_clear_stale_link_payments(self):
        """Cancel the link payments of these invoices the customer never finished.

        Only online payments (not wire transfers) started over an hour ago; a
        provider that confirms one after all still gets it recorded.
        """
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only invoicing users can clear unfinished payments."))
        self.check_access("write")
        stale = self._get_stale_link_transactions()
        if stale:
            stale.islebooks_superseded = True
            stale._set_canceled(
                state_message=_(
                    "Cleared by %s: the customer never finished it.", self.env.user.name
                )
            )
            for move in self:
                move.message_post(
                    body=_("Unfinished online payment cleared: the invoice can be paid again."),
                    subtype_xmlid="mail.mt_note",
                )
        return True
