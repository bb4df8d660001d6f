from odoo import _, api, fields, models


class AccountMove(models.Model):
    """What an invoice asks today: the one answer of its page, its payment,
    its messages and reminders, read from Odoo's own payment terms
    (``_get_invoice_next_payment_values``, as Odoo's invoice page asks it).
    What a customer owes across its invoices is ``res.partner._get_amount_owed``.
    """

    _inherit = "account.move"

    @api.depends("amount_residual", "line_ids.amount_residual", "invoice_payment_term_id")
    def _compute_payment_link_amount_due(self):
        asked = self._get_amounts_asked() if self.ids else {}
        for move in self:
            move.payment_link_amount_due = asked.get(move.id, move.amount_residual)

    def _get_amount_due_values(self):
        """What paying this invoice online asks for today, from its payment terms.

        Read from ``_get_invoice_next_payment_values()`` as Odoo's own invoice
        page does: while an early-payment discount runs, the discounted balance
        (and its deadline); with installments, the next one or the sum of the
        overdue ones, the whole balance being the other choice; otherwise the
        amount due. Keys: ``amount`` (what Pay asks by default), ``full_amount``
        (paying everything: the discounted balance while the discount runs),
        ``residual``, ``due_date`` (of ``amount``), ``installment_label``,
        ``epd_discount`` / ``epd_message`` / ``discount_date``.
        """
        self.ensure_one()
        residual = self.amount_residual
        values = {
            "amount": residual,
            "full_amount": residual,
            "residual": residual,
            "due_date": self.invoice_date_due,
            "installment_state": False,
            "installment_label": "",
            "epd_discount": 0.0,
            "epd_message": "",
            "discount_date": False,
        }
        if not self._is_open_invoice():
            return values
        odoo_values = self._get_invoice_next_payment_values()
        state = odoo_values.get("installment_state")
        if state == "epd":
            # Odoo's naming: with a discount, amount_due is the discounted balance.
            discount_date = fields.Date.to_date(odoo_values["discount_date"])
            values.update(
                amount=odoo_values["amount_due"],
                full_amount=odoo_values["amount_due"],
                due_date=discount_date,
                installment_state=state,
                epd_discount=odoo_values["epd_discount_amount_currency"],
                epd_message=odoo_values["epd_discount_msg"],
                discount_date=discount_date,
            )
        elif state in ("next", "overdue"):
            open_installments = odoo_values["not_reconciled_installments"]
            count = len(self.line_ids.filtered(lambda line: line.display_type == "payment_term"))
            if state == "overdue":
                numbers = [inst["number"] for inst in open_installments if inst["type"] == state]
            else:
                numbers = [open_installments[0]["number"]]
            if len(numbers) == 1:
                label = _("Installment %(number)s of %(count)s", number=numbers[0], count=count)
            else:
                label = _(
                    "Installments %(numbers)s of %(count)s",
                    numbers=", ".join(map(str, numbers)),
                    count=count,
                )
            values.update(
                amount=odoo_values["next_amount_to_pay"],
                due_date=odoo_values["next_due_date"],
                installment_state=state,
                installment_label=label,
            )
        return values

    def _get_ids_asked_by_terms(self):
        """Ids of these invoices whose payment terms decide what is asked today:
        a running early-payment discount or several open installments (one
        grouped query; the others simply ask for their amount due)."""
        today = fields.Date.context_today(self)
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("move_id", "in", self.ids),
                    ("display_type", "=", "payment_term"),
                    ("reconciled", "=", False),
                ],
                ["move_id"],
                ["__count", "discount_date:max"],
            )
        )
        return {
            move.id
            for move, count, discount_date in groups
            if count > 1 or (discount_date and discount_date >= today)
        }

    def _get_amounts_asked(self):
        """``{invoice id: amount}``: what each invoice asks today (see
        ``_get_amount_due_values``), for many invoices at once (see
        ``_get_amounts_due_by_id``)."""
        return self._get_amounts_due_by_id("amount")

    def _get_amounts_due_by_id(self, key):
        """``{invoice id: _get_amount_due_values()[key]}`` for many invoices at once.

        ``key`` is ``"amount"``, ``"due_date"`` or ``"residual"``. Only invoices with a running
        discount or several open installments read their payment terms (one
        grouped query finds them); the others ask for their amount due by their
        due date, so "Pay all" and the reminders cost the same for 1,000
        invoices without terms as for 10.
        """
        if not self:
            return {}
        if key == "residual":  # the balance: whatever the terms say
            return {move.id: move.amount_residual for move in self}
        if len(self) == 1:
            # One invoice (its page, its payment): its own terms, read from the
            # lines the page reads anyway, rather than one more grouped query.
            return {self.id: self._get_amount_due_values()[key]}
        # What _get_amount_due_values gives for `key` when the terms decide nothing.
        without_terms = {"amount": "amount_residual", "due_date": "invoice_date_due"}[key]
        with_terms = self._get_ids_asked_by_terms()
        return {
            move.id: (
                move._get_amount_due_values()[key] if move.id in with_terms else move[without_terms]
            )
            for move in self
        }

    def _get_amount_due_totals(self, key="amount"):
        """``{currency: total}`` of ``_get_amounts_due_by_id(key)`` in the
        invoices' order: with ``"amount"``, what these invoices ask today, the
        one total of the payment checks, the pages and the messages; with
        ``"residual"``, their balance (the most a transfer may pay)."""
        asked = self._get_amounts_due_by_id(key)
        totals = {}
        for move in self:
            totals[move.currency_id] = totals.get(move.currency_id, 0.0) + asked[move.id]
        return {currency: currency.round(amount) for currency, amount in totals.items()}

    def _get_amount_due_in_words(self, amount=None):
        """The amount due spelled out in the customer's language, where enabled:
        ``amount``, what the invoice asks today (``_get_amount_due_values``)
        which its page has computed already, or computed here."""
        self.ensure_one()
        if not self.company_id.payment_link_amount_in_words:
            return ""
        if amount is None:
            amount = self._get_amount_due_values()["amount"]
        lang = self.partner_id.lang or self.commercial_partner_id.lang
        currency = self.currency_id.with_context(lang=lang) if lang else self.currency_id
        return currency.amount_to_text(amount)
