import psycopg2

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools.access import check_staff_access


class IslebooksPaymentConfirmation(models.Model):
    """The staff review of a confirmation: lock, approve (the payment and its
    receipt), reject (the reason and the customer's email), the payments."""

    _inherit = "islebooks.payment.confirmation"

    # ------------------------------------------------------------------
    # Review
    # ------------------------------------------------------------------

    def _lock_for_review(self):
        """Lock the rows so two reviewers can never both approve them."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM islebooks_payment_confirmation WHERE id IN %s "
                    "FOR UPDATE NOWAIT",
                    [tuple(self.ids)],
                    log_exceptions=False,  # answered below: not a "bad query"
                )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                _("Someone else is reviewing this confirmation right now. Try again in a moment.")
            ) from None
        self.invalidate_recordset(["state"])

    def _check_pending(self):
        for confirmation in self:
            if confirmation.state != "pending":
                raise UserError(
                    _(
                        "%(name)s was already %(state)s.",
                        name=confirmation.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            confirmation.state
                        ].lower(),
                    )
                )

    def action_approve(self):
        check_staff_access(self.env)
        self.check_access("write")
        self._lock_for_review()
        self._check_pending()
        for confirmation in self:
            confirmation._approve()
        return True

    def _approve(self):
        self.ensure_one()
        invoices = self.invoice_ids
        # An online payment of the same invoices locks them too: one waits for
        # the other, and the residual below is the one after it.
        invoices._lock_for_settlement()
        closed = invoices.filtered(lambda move: not move._is_open_invoice())
        if closed:
            raise UserError(
                _(
                    "%(invoices)s no longer has anything to pay (paid, cancelled or reset "
                    "meanwhile). Reject this confirmation or check the payments already "
                    "registered.",
                    invoices=", ".join(closed.mapped("name")),
                )
            )
        if not self.journal_id:
            raise UserError(_("Choose the journal to post the payment to before approving."))
        # Amount, date, invoices of its customer and company: held by the constraints.
        due = sum(invoices._get_amount_due_totals("residual").values())
        over = float_compare(self.amount, due, precision_rounding=self.currency_id.rounding) > 0
        if over and not self.company_id.payment_confirmation_allow_overpayment:
            raise UserError(
                _(
                    "The amount (%(amount)s) is more than what is still due (%(due)s).",
                    amount=self.currency_id.format(self.amount),
                    due=self.currency_id.format(due),
                )
            )
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(
                {
                    "journal_id": self.journal_id.id,
                    "payment_date": self.transfer_date,
                    "group_payment": True,
                }
            )
        )
        if not wizard.can_edit_wizard:
            raise UserError(
                _(
                    "These invoices cannot be paid by one payment (different accounts or bank "
                    "accounts). Register their payments from the invoices instead."
                )
            )
        wizard.write(
            {
                "amount": self.amount,
                "currency_id": self.currency_id.id,
                "payment_difference_handling": "open",
                "communication": self.bank_reference or wizard.communication,
            }
        )
        payments = wizard._create_payments()
        self.sudo().write(
            {
                "state": "approved",
                "payment_ids": [fields.Command.set(payments.ids)],
                "reviewed_by_id": self.env.uid,
                "reviewed_at": fields.Datetime.now(),
            }
        )
        self.activity_feedback(["mail.mail_activity_data_todo"])
        self.company_id._send_payment_receipts(payments)
        self.message_post(
            body=_(
                "Approved: payment %(payments)s registered.",
                payments=", ".join(payments.mapped("name")),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def action_open_reject_wizard(self):
        check_staff_access(self.env)
        self._check_pending()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject confirmation"),
            "res_model": "islebooks.payment.confirmation.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_confirmation_ids": self.ids},
        }

    def _reject(self, reason):
        if not (reason or "").strip():
            raise UserError(_("Give the customer a reason for the rejection."))
        check_staff_access(self.env)
        self.check_access("write")
        self._lock_for_review()
        self._check_pending()
        self.sudo().write(
            {
                "state": "rejected",
                "reject_reason": reason.strip(),
                "reviewed_by_id": self.env.uid,
                "reviewed_at": fields.Datetime.now(),
            }
        )
        self.activity_unlink(["mail.mail_activity_data_todo"])
        # Rendered by the receipts' job once this review has committed: the
        # confirmations stay locked only for the write.
        self.env["islebooks.payment.receipt"]._queue_rejections(self)
        return True

    def action_view_payments(self):
        self.ensure_one()
        return self.payment_ids._get_records_action(name=_("Payments"))
