from psycopg2.errors import LockNotAvailable

from odoo import _, models
from odoo.exceptions import ValidationError

from ..tools.constants import PAYMENT_TOUCH_WAIT
from ..tools.locks import PAYMENT_START, try_advisory_locks


class AccountMove(models.Model):
    """The locks a payment of invoices takes: one online payment of an invoice
    starts at a time, and a registered payment waits for another one of the
    same invoices (see tools/locks.py for the addon's locking rules)."""

    _inherit = "account.move"

    def _lock_for_link_payment(self):
        """Start a payment of these invoices, or raise a ValidationError.

        One payment of an invoice starts at a time: the attempt holds a
        transaction-level advisory lock on each invoice (``PAYMENT_START``),
        tried without waiting, so a concurrent attempt is refused at once with
        "Please wait" rather than queue up and pay twice. Only a payment attempt
        takes that lock: the addon's background work (legal PDFs, reminders)
        never turns a customer away.

        Odoo runs requests in REPEATABLE READ, so the lock alone is not enough:
        an attempt that started before another one committed would not see its
        transaction. Touching the rows and locking the invoices' transactions
        makes such a stale attempt fail with a serialization error, which Odoo's
        request loop retries with a fresh snapshot. Jobs write an invoice row
        only briefly, so the touch waits for such a write, but at most
        ``PAYMENT_TOUCH_WAIT``: an invoice held longer is being updated.
        """
        if not self:
            return
        cr = self.env.cr
        if len(try_advisory_locks(cr, PAYMENT_START, self.ids)) < len(self):
            raise ValidationError(
                _("A payment is already being started for this invoice. Please wait a moment.")
            )
        try:
            with cr.savepoint(flush=False):
                # Restored by the savepoint's rollback, and by hand below.
                cr.execute("SELECT current_setting('lock_timeout')")
                previous_timeout = cr.fetchone()[0]
                cr.execute("SELECT set_config('lock_timeout', %s, true)", [PAYMENT_TOUCH_WAIT])
                # A new row version (values unchanged): a concurrent attempt
                # whose snapshot predates this one's commit then gets a
                # serialization failure, and Odoo retries its request with
                # fresh data instead of missing this payment.
                cr.execute(
                    """
                    UPDATE account_move SET write_date = write_date
                     WHERE id IN (SELECT id FROM account_move WHERE id IN %s
                                   ORDER BY id FOR NO KEY UPDATE)
                    """,
                    [tuple(self.ids)],
                    log_exceptions=False,
                )
                cr.execute("SELECT set_config('lock_timeout', %s, true)", [previous_timeout])
        except LockNotAvailable:
            raise ValidationError(self[:1]._get_updating_message()) from None
        try:
            with cr.savepoint(flush=False):
                # A payment of the invoice being confirmed or processed right now.
                cr.execute(
                    """
                    SELECT tx.id
                      FROM payment_transaction tx
                      JOIN account_invoice_transaction_rel rel ON rel.transaction_id = tx.id
                     WHERE rel.invoice_id IN %s
                     ORDER BY tx.id
                       FOR UPDATE OF tx NOWAIT
                    """,
                    [tuple(self.ids)],
                    log_exceptions=False,
                )
        except LockNotAvailable:
            raise ValidationError(
                _("A payment is already being started for this invoice. Please wait a moment.")
            ) from None
        self.invalidate_recordset(["amount_residual", "payment_state", "transaction_ids"])
        for move in self:
            if blocker := move._get_payment_blocker():
                raise ValidationError(blocker)

    def _get_updating_message(self):
        return _(
            "This invoice is being updated and cannot be paid for now. "
            "Please try again later or contact %(company)s.",
            company=self.company_id.name,
        )

    def _lock_for_settlement(self):
        """Lock these invoices before registering a payment on them (waits).

        An approved bank-transfer confirmation and an online payment of the
        same invoices then run one after the other; in REPEATABLE READ the
        second one gets a serialization failure, which Odoo retries with a
        fresh snapshot that shows what the first one paid. ``NO KEY UPDATE``,
        the lock a write takes: records created meanwhile that point to the
        invoice (links, queued PDFs) do not wait for it. That failure is the
        designed outcome, retried: not logged as a "bad query" (Odoo logs the
        retry at INFO, and only a failure left after its last retry goes on).
        """
        if self:
            self.env.cr.execute(
                "SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                [tuple(self.ids)],
                log_exceptions=False,
            )
            self.invalidate_recordset(["amount_residual", "payment_state"])
