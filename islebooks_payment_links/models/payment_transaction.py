from odoo import SUPERUSER_ID, Command, fields, models


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

    def _create_payment(self, **extra_create_values):
        """Several invoices in one link payment: each settled as its own page asked.

        Odoo books the early-payment discount of one invoice per transaction
        and reconciles the payment with all the invoices' open installments by
        due date, so a later installment of one invoice could take the money
        meant for another invoice's discounted balance. When a link payment of
        several invoices pays exactly what they ask (``_get_link_asked_amounts``),
        every running discount is booked on the payment (Odoo's own
        ``_get_invoice_counterpart_amls_for_early_payment_discount``, as the
        payment-register wizard does for a batch), then each invoice is
        reconciled with its share: its discounted balance, or the installments
        it asked for. Any other amount is left to Odoo.
        """
        self.ensure_one()
        invoices = self.invoice_ids.filtered(lambda inv: inv.state == "posted")
        if (
            not self.islebooks_payment_link_id
            or len(self.invoice_ids) < 2
            or len(invoices) != len(self.invoice_ids)
            or self.source_transaction_id
            or self.amount <= 0
        ):
            return super()._create_payment(**extra_create_values)
        plan = self._get_link_reconciliation_plan(invoices)
        if plan is None:
            return super()._create_payment(**extra_create_values)
        partner = self.partner_id.commercial_partner_id
        write_offs = []
        epd_lines = [line for lines, is_epd in plan.values() if is_epd for line in lines]
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
        payment = self.env["account.payment"].create(
            {
                "amount": self.amount,
                "payment_type": "inbound",
                "currency_id": self.currency_id.id,
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
                "destination_account_id": term_lines[:1].account_id.id,
                **extra_create_values,
            }
        )
        payment.action_post()
        self.payment_id = payment
        # Each invoice takes exactly its share of the payment, in turn.
        for lines, _is_epd in plan.values():
            payment_line = payment.move_id.line_ids.filtered(
                lambda line: (
                    line.account_id == payment.destination_account_id and not line.reconciled
                )
            )
            (payment_line + lines).reconcile()
        return payment

    def _get_link_reconciliation_plan(self, invoices):
        """``{invoice: (term lines to settle, discounted)}`` if this transaction
        pays exactly what ``invoices`` ask today, else None."""
        asked = invoices._get_link_asked_amounts()
        if self.currency_id.compare_amounts(sum(asked.values()), self.amount) != 0:
            return None
        plan = {}
        for invoice in invoices:
            terms = invoice._get_link_payment_values()
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
