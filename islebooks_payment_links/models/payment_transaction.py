from datetime import timedelta

from odoo import SUPERUSER_ID, Command, _, fields, models

from ..tools.constants import BUSY_TX_STATES

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
    islebooks_receivable_line_ids = fields.Many2many(
        "account.move.line",
        "islebooks_payment_transaction_receivable_line_rel",
        "transaction_id",
        "line_id",
        string="Other amounts paid",
        readonly=True,
        copy=False,
        help="The receivable items without an invoice (Point of Sale sales on account, "
        "opening balances, manual entries) this payment settles, besides its invoices.",
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
                "|",
                ("invoice_ids", "in", self.invoice_ids.ids),
                ("islebooks_receivable_line_ids", "in", self.islebooks_receivable_line_ids.ids),
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

    # ------------------------------------------------------------------
    # Stale link payments (staff)
    # ------------------------------------------------------------------

    def _islebooks_stale_domain(self):
        return [
            ("islebooks_payment_link_id", "!=", False),
            ("state", "in", ("draft", *BUSY_TX_STATES)),
            ("provider_code", "not in", ASYNC_PROVIDER_CODES),
            ("create_date", "<", fields.Datetime.now() - STALE_PAYMENT_AGE),
        ]

    def _post_process(self):
        """Register each link payment once, then email its receipt (see res.company)."""
        self._lock_for_post_processing()
        res = super()._post_process()
        for tx in self.filtered(
            lambda tx: tx.state == "done" and tx.islebooks_payment_link_id and tx.payment_id
        ):
            tx.company_id._send_payment_receipts(tx.payment_id)
        return res

    def _lock_for_post_processing(self):
        """Lock the done link payments that have no ``account.payment`` yet (waits).

        A provider's "done" may be post-processed by two workers at once (the
        customer's status page, the payment job, a notification delivered
        twice): the second waits for the first, then, in REPEATABLE READ, gets
        a serialization failure, and Odoo retries it (the job: at its next run)
        with a snapshot showing the payment the first registered. Odoo's own
        write of ``is_post_processed`` would stop it too, but only when flushed,
        after it had built a payment (and, when the invoices were already
        settled by a bank transfer, written no invoice to wait on): locked
        first, it waits before doing anything. The lock lasts the payment's
        short write: receipts are rendered after the commit.
        """
        txs = self.filtered(
            lambda tx: tx.islebooks_payment_link_id and tx.state == "done" and not tx.payment_id
        )
        if txs:
            # A stale snapshot fails to serialize here: retried by Odoo, not a
            # "bad query" to log.
            self.env.cr.execute(
                "SELECT id FROM payment_transaction WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                [tuple(txs.ids)],
                log_exceptions=False,
            )

    def _create_payment(self, **extra_create_values):
        """A link payment: each invoice settled as its page asked, credit used first.

        Odoo books the early-payment discount of one invoice per transaction
        and reconciles the payment with all the invoices' open installments by
        due date, so a later installment of one invoice could take the money
        meant for another invoice's discounted balance. When a link payment
        (plus the customer's open credit, for portal links) covers exactly what
        its invoices ask (``islebooks.payment.link._get_payment_decision``), every running discount
        is booked on the payment (Odoo's own
        ``_get_invoice_counterpart_amls_for_early_payment_discount``, as the
        payment-register wizard does for a batch), then each invoice is
        reconciled with its share: its discounted balance, or the installments
        it asked for. One invoice without credit to apply is left to Odoo.
        Other amounts due (``islebooks_receivable_line_ids``) are reconciled
        with the payment after the invoices, each for its whole residual, as
        Odoo's register-payment does with the journal items it is given.
        """
        self.ensure_one()
        # An approved bank-transfer confirmation settles the same invoices the
        # same way: both lock them first, so one waits for the other and then
        # sees what it paid (Odoo retries a stale snapshot).
        if self.islebooks_payment_link_id and self.invoice_ids:
            self.invoice_ids._lock_for_settlement()
        link = self.islebooks_payment_link_id
        invoices = self.invoice_ids.filtered(lambda inv: inv.state == "posted")
        items = self.islebooks_receivable_line_ids.sudo()
        if (
            not link
            or not (invoices or items)
            or len(invoices) != len(self.invoice_ids)
            or self.source_transaction_id
            or self.amount <= 0
        ):
            return super()._create_payment(**extra_create_values)
        currency = self.currency_id
        # The same decision as the page that asked for this amount: what each
        # invoice is settled for, and whether the customer's credit is used.
        decision = link._get_payment_decision(
            invoices, self.amount, check_blockers=False, items=items
        )
        asked, exact = decision["asked"], decision["exact"]
        credit_lines = (
            link._get_open_credit_lines(currency)
            if decision["credit_used"]
            else self.env["account.move.line"]
        )
        if not credit_lines and not items and (len(invoices) < 2 or not exact):
            return super()._create_payment(**extra_create_values)
        plan = self._get_link_reconciliation_plan(invoices, asked) if exact else None
        partner = self.partner_id.commercial_partner_id
        write_offs = []
        epd_lines = [line for lines, is_epd in (plan or {}).values() if is_epd for line in lines]
        if epd_lines:
            open_balance = sum(line.balance - line.discount_balance for line in epd_lines)
            Move = self.env["account.move"]
            counterparts = Move._get_invoice_counterpart_amls_for_early_payment_discount(
                [
                    {
                        "aml": line,
                        "amount_currency": -line.amount_residual_currency,
                        "balance": -line.amount_residual,
                    }
                    for line in epd_lines
                ],
                open_balance,
            )
            for values_list in counterparts.values():
                write_offs += [dict(values, partner_id=partner.id) for values in values_list]
        payment_method_line = self.provider_id.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.provider_id
        )
        term_lines = invoices.line_ids.filtered(lambda line: line.display_type == "payment_term")
        # Settled meanwhile (another payment, staff): left alone, the money stays credit.
        items = items.filtered(lambda line: not line.reconciled)
        payment = self.env["account.payment"].create(
            {
                "amount": self.amount,
                "payment_type": "inbound",
                "currency_id": currency.id,
                "partner_id": partner.id,
                "partner_type": "customer",
                "journal_id": self.provider_id.journal_id.id,
                "company_id": self.provider_id.company_id.id,
                "payment_method_line_id": payment_method_line.id,
                "payment_token_id": self.token_id.id,
                "payment_transaction_id": self.id,
                "memo": f"{self.reference} - {partner.display_name or ''} - "
                f"{self.provider_reference or ''}",
                "write_off_line_vals": write_offs,
                "invoice_ids": [Command.set(invoices.ids)],
                "destination_account_id": (term_lines[:1] or items[:1]).account_id.id
                or partner.property_account_receivable_id.id,
                **extra_create_values,
            }
        )
        payment.action_post()
        self.payment_id = payment
        funds = credit_lines | payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.destination_account_id
        )
        if plan is None:
            # Not what the pages asked (a partial amount): Odoo's way, by due date.
            (funds + term_lines + items).filtered(lambda line: not line.reconciled).reconcile()
            return payment
        # Each invoice takes exactly its share of the funds, in turn, then
        # each other amount due its whole residual.
        for lines, _is_epd in plan.values():
            (funds.filtered(lambda line: not line.reconciled) + lines).reconcile()
        for item in items:
            funds = funds.filtered(lambda line: not line.reconciled)
            if funds:
                (funds + item).reconcile()
        return payment

    def _get_link_reconciliation_plan(self, invoices, asked):
        """``{invoice: (term lines to settle, discounted)}``: what each of
        ``invoices`` asked (``asked``: ``{invoice id: amount}``) paid in full."""
        plan = {}
        for invoice in invoices:
            terms = invoice._get_amount_due_values()
            lines = invoice.line_ids.filtered(
                lambda line: line.display_type == "payment_term" and not line.reconciled
            ).sorted(lambda line: (line.date_maturity or line.date, line.id))
            if terms["installment_state"] == "epd":
                plan[invoice] = (lines, True)
            elif terms["installment_state"] in ("next", "overdue"):
                # The installments asked, oldest first, up to the amount asked.
                chosen, total = self.env["account.move.line"], 0.0
                for line in lines:
                    if invoice.currency_id.compare_amounts(total, asked[invoice.id]) >= 0:
                        break
                    chosen |= line
                    total += abs(line.amount_residual_currency)
                plan[invoice] = (chosen, False)
            else:
                plan[invoice] = (lines, False)
        return plan
