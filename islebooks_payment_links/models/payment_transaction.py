from datetime import timedelta

from odoo import SUPERUSER_ID, _, fields, models

# Providers whose payments stay pending for days by design (wire transfer, none).
ASYNC_PROVIDER_CODES = ("custom", "none")
# A link payment still unfinished after this long may be cleared by staff.
STALE_PAYMENT_AGE = timedelta(hours=1)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    islebooks_payment_link_id = fields.Many2one(
        "islebooks.payment.link",
        string="Payment link",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The payment link the customer paid through.",
    )
    islebooks_superseded = fields.Boolean(
        "Replaced by a newer attempt",
        readonly=True,
        copy=False,
        help="Cancelled when the customer started another payment of the same invoices; "
        "still recorded if the provider confirms it after all.",
    )

    def _log_message_on_linked_documents(self, message):
        """Log on all the invoices of a link payment in one batch.

        Odoo posts the note invoice by invoice (a handful of queries each); a
        customer paying many invoices at once through a portal link would make
        the pay step grow with the number of invoices. Same internal note, same
        author, written at once.
        """
        self.ensure_one()
        if not self.islebooks_payment_link_id or self.source_transaction_id:
            return super()._log_message_on_linked_documents(message)
        author = self.env.user.partner_id if self.env.uid == SUPERUSER_ID else self.partner_id
        invoices = self._get_invoices_to_notify()
        if invoices:
            invoices._message_log_batch(
                bodies=dict.fromkeys(invoices.ids, message), author_id=author.id
            )
        return None

    # ------------------------------------------------------------------
    # Races between payments of the same invoices
    # ------------------------------------------------------------------

    def _islebooks_supersede_drafts(self):
        """Cancel the other draft link payments of this transaction's invoices.

        A customer who starts a payment in a second tab (or again after a
        card error) abandons the first: its transaction, still a draft (never
        submitted to the provider), is cancelled so that only one payment of
        the invoices can go on. Should the provider confirm it after all, it
        is still recorded (see ``_set_done``).
        """
        self.ensure_one()
        drafts = self.search(
            [
                ("id", "!=", self.id),
                ("invoice_ids", "in", self.invoice_ids.ids),
                ("islebooks_payment_link_id", "!=", False),
                ("state", "=", "draft"),
            ]
        )
        if drafts:
            drafts.islebooks_superseded = True
            drafts._set_canceled(
                state_message=_("Replaced by a newer payment attempt of the same invoices.")
            )
        return drafts

    def _set_done(self, state_message=None, extra_allowed_states=()):
        # Money a provider confirms is never ignored, even for an attempt the
        # customer had replaced: staff then see the payment (e.g. a credit).
        if any(tx.islebooks_superseded for tx in self):
            extra_allowed_states = (*extra_allowed_states, "cancel")
        return super()._set_done(
            state_message=state_message, extra_allowed_states=extra_allowed_states
        )

    def _create_payment(self, **extra_create_values):
        # An approved bank-transfer confirmation settles the same invoices the
        # same way: both lock them first, so one waits for the other and then
        # sees what it paid (Odoo retries a stale snapshot).
        if self.islebooks_payment_link_id and self.invoice_ids:
            self.invoice_ids._lock_for_settlement()
        return super()._create_payment(**extra_create_values)

    # ------------------------------------------------------------------
    # Stale link payments (staff)
    # ------------------------------------------------------------------

    def _islebooks_stale_domain(self):
        return [
            ("islebooks_payment_link_id", "!=", False),
            ("state", "in", ("draft", "pending", "authorized")),
            ("provider_code", "not in", ASYNC_PROVIDER_CODES),
            ("create_date", "<", fields.Datetime.now() - STALE_PAYMENT_AGE),
        ]
