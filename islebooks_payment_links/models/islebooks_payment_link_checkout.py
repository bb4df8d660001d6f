from odoo import _, api, models
from odoo.exceptions import ValidationError

from ..tools.constants import (
    CHECKOUT_ROWS,
    ITEM_SELECTION_PREFIX,
    MAX_INVOICES_PER_REQUEST,
    PAY_ALL_PREFIX,
)
from ..tools.errors import PortalPageError
from ..tools.parsing import parse_amount, parse_id, parse_ids


class IslebooksPaymentLink(models.Model):
    """The checkout decision: what a payment through a link charges, decided once.

    ``_get_payment_decision`` is read by the invoice page, the checkout page,
    the payment route and the payment's reconciliation
    (``payment.transaction._create_payment``); what each invoice asks comes
    from ``account.move._get_amount_due_values`` (Odoo's payment terms), the
    customer's open credit from ``res.partner._get_open_credit``.
    """

    _inherit = "islebooks.payment.link"

    # ------------------------------------------------------------------
    # What the customer owes (the portal's summary) and its credit
    # ------------------------------------------------------------------

    def _get_portal_summary(self):
        """What the top of the portal says: ``totals``, the customer's
        ``res.partner._get_amount_owed`` rows (what it owes net of open credit,
        the overdue part, the credit left, the open invoices per currency), and
        ``paid_count``, the length of the paid history."""
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        return {
            "totals": self.partner_id._get_amount_owed(self.company_id),
            "paid_count": Move.search_count(
                [*self._get_portal_domain(), *Move._get_settled_domain()]
            ),
        }

    def _get_portal_totals(self):
        """The rows of ``_get_portal_summary``: what the customer owes per currency."""
        return self._get_portal_summary()["totals"]

    def _get_open_credit(self):
        """``{currency: open credit}`` a payment through this link may use: the
        customer's (portal links); an invoice link pays its invoice alone."""
        self.ensure_one()
        if self.scope != "portal":
            return {}
        return self.partner_id._get_open_credit(self.company_id)

    def _get_open_credit_lines(self, currency):
        """The open credit items a payment in ``currency`` through this link uses (sudo)."""
        self.ensure_one()
        if self.scope != "portal":
            return self.env["account.move.line"].sudo().browse()
        return self.partner_id._get_open_credit_lines(self.company_id, currency)

    # ------------------------------------------------------------------
    # The decision
    # ------------------------------------------------------------------

    def _get_payment_decision(
        self, moves, amount=None, pay_full=False, check_blockers=True, items=None
    ):
        """What paying ``moves`` through this link charges today, decided on the server.

        Each invoice asks what its own page asks (payment terms: the discounted
        balance while an early-payment discount runs, the next or overdue
        installments); a portal customer's open credit is used first. ``amount``
        is what the customer's page offered: that total, or for one invoice its
        whole balance (``pay_full`` asks for it), or a partial amount (one
        invoice only, when the company enables it, never above the amount due;
        it uses no credit). A discount is only ever granted by the server, on
        the day it is valid. ``items``: other amounts due paid with them (open
        receivable items without an invoice, ``account.move.line``), each its
        whole residual (``account.move.line._get_item_asks``).

        Returns a dict: ``currency``; ``asks``, ``{invoice id: what it asks
        today}``, ``item_asks``, ``{item id: what it asks}``, and ``terms``,
        one invoice's ``_get_amount_due_values()``;
        ``asked``, ``{invoice id: what it is settled for}``; ``credit``, the
        open credit in that currency; ``total``, what the invoices ask before
        credit; ``credit_used``; ``amount``, what Pay charges (0.0 with an
        ``error``);
        ``exact``, whether ``amount`` plus ``credit_used`` settles ``asked``
        exactly (else a partial payment, reconciled Odoo's way by due date);
        ``due`` and, for one invoice, ``full_amount``: the two amounts a page
        offers, net of credit; ``error``: why it is refused, or "".
        """
        self.ensure_one()
        items = items if items is not None else self.env["account.move.line"].sudo()
        currencies = moves.currency_id | items.currency_id
        currency = currencies[:1]
        decision = {
            "currency": currency,
            "asked": {},
            "asks": {},
            "item_asks": {},
            "terms": None,
            "credit": 0.0,
            "credit_used": 0.0,
            "amount": 0.0,
            "exact": False,
            "total": 0.0,
            "due": 0.0,
            "full_amount": False,
            "error": "",
        }
        if not moves and not items:
            decision["error"] = _("Select at least one invoice to pay.")
            return decision
        # What each invoice asks today; one invoice's terms read once for its
        # default ask and its whole balance (the page shows them too).
        terms = moves._get_amount_due_values() if len(moves) == 1 and not items else None
        asked = {moves.id: terms["amount"]} if terms else (moves._get_amounts_asked() or {})
        item_asks = items._get_item_asks()
        total = currency.round(sum(asked.values()) + sum(item_asks.values()))
        decision.update(asked=asked, asks=asked, item_asks=item_asks, terms=terms, total=total)
        if error := self._get_together_error(moves, items):
            decision["error"] = error
            return decision
        credit = self._get_open_credit().get(currency, 0.0)
        due = currency.round(max(0.0, total - credit))
        full_asked = terms["full_amount"] if terms else None
        full = currency.round(max(0.0, full_asked - credit)) if full_asked is not None else None
        decision.update(credit=credit, due=due, full_amount=full or False)
        if pay_full and full is not None:
            amount = full
        for move in moves if check_blockers else ():
            if blocker := move._get_payment_blocker():
                decision["error"] = _("%(invoice)s: %(reason)s", invoice=move.name, reason=blocker)
                return decision
        blockers = items._get_item_payment_blockers() if check_blockers else {}
        for item in items.filtered(lambda item: item.id in blockers):
            decision["error"] = _(
                "%(invoice)s: %(reason)s",
                invoice=item._get_item_reference(),
                reason=blockers[item.id],
            )
            return decision
        if currency.is_zero(due):
            decision["error"] = _(
                "Your credit of %(credit)s covers these invoices: there is nothing to pay.",
                credit=currency.format(credit),
            )
            return decision
        if amount is None or currency.compare_amounts(amount, due) == 0:
            decision.update(amount=due, credit_used=credit, exact=True)
            return decision
        if full is not None and currency.compare_amounts(amount, full) == 0:
            decision.update(
                amount=full, asked={moves.id: full_asked}, credit_used=credit, exact=True
            )
            return decision
        # A partial amount is the customer's own: it uses no credit (one that
        # happens to be what the invoices ask is still settled as asked).
        if currency.compare_amounts(amount, total) == 0:
            decision["exact"] = True
        elif full_asked is not None and currency.compare_amounts(amount, full_asked) == 0:
            decision.update(asked={moves.id: full_asked}, exact=True)
        if items or len(moves) > 1 or not self.company_id.payment_link_allow_partial:
            decision["error"] = _("The amount to pay has changed. Please reload the page.")
            return decision
        residual = currency.round(moves.amount_residual)
        if currency.compare_amounts(amount, 0) <= 0 or (
            currency.compare_amounts(amount, residual) > 0
        ):
            decision["error"] = _(
                "Please enter an amount greater than zero and at most the amount due."
            )
            return decision
        if error := self._check_partial_amount(currency, amount, due):
            decision["error"] = error
            return decision
        decision["amount"] = currency.round(amount)
        return decision

    @api.model
    def _get_together_error(self, moves, items):
        """Why ``moves`` and ``items`` cannot be paid in one payment, or "":
        one currency, and one receivable account (one payment settles one
        account, as one payment of Odoo's register-payment does)."""
        currencies = moves.currency_id | items.currency_id
        if len(currencies) > 1:
            return _(
                "These invoices are in different currencies (%(currencies)s) and cannot be paid "
                "together. Please pay the invoices of each currency separately.",
                currencies=", ".join(currencies.mapped("name")),
            )
        if not items:
            return ""
        term_lines = moves.line_ids.filtered(lambda line: line.display_type == "payment_term")
        if len(items.account_id | term_lines.account_id) > 1:
            return _(
                "These amounts are booked on different receivable accounts and cannot be paid "
                "together. Please pay them separately."
            )
        return ""

    def _check_partial_amount(self, currency, amount, due):
        """Why ``amount`` (a partial payment of ``due``) is refused, or "".

        A partial payment is at least the company's minimum share of the amount
        due (``payment_link_partial_min_percent``), so that a link cannot be
        used to try cards with cents; paying the whole amount due is always
        allowed.
        """
        self.ensure_one()
        percent = self.company_id.payment_link_partial_min_percent or 0.0
        minimum = currency.round(due * min(max(percent, 0.0), 100.0) / 100.0)
        if (
            currency.compare_amounts(amount, due) < 0
            and currency.compare_amounts(amount, minimum) < 0
        ):
            return _(
                "Please pay at least %(minimum)s (or the whole amount due).",
                minimum=currency.format(minimum),
            )
        return ""

    # ------------------------------------------------------------------
    # What each page and route reads of it
    # ------------------------------------------------------------------

    def _get_invoice_page_amount(self, invoice, pay_full=False):
        """What one invoice's page asks: ``(terms, amount, credit used, error)``.

        ``terms`` are the invoice's payment terms today; ``amount`` what Pay
        charges (the default ask, or with ``pay_full`` the whole balance), net
        of a portal customer's open credit.
        """
        self.ensure_one()
        decision = self._get_payment_decision(invoice, pay_full=pay_full)
        return (
            decision["terms"],
            decision["amount"],
            decision["credit_used"] if decision["amount"] else 0.0,
            decision["error"],
        )

    @api.model
    def _parse_asked_amount(self, value, moves):
        """The amount a request asks to pay: None (the amount due) when not
        given, -1.0 (refused as not positive) when it is no plain amount in the
        invoices' currency (``nan``, ``1e308``, too many decimals...)."""
        if value is None or value == "":
            return None
        amount = parse_amount(value, moves.currency_id[:1].decimal_places or 2)
        return -1.0 if amount is None else amount

    def _get_transaction_moves(self, selection=None):
        """``(invoices, items)`` a payment of this link pays (``selection``: see
        ``_get_selected_moves``); a ``ValidationError`` the payment form shows
        when the selection is none the link grants."""
        self.ensure_one()
        items = self.env["account.move.line"].sudo()
        if self.scope == "portal":
            moves, items = self._get_selected_moves(selection)
        else:
            moves = self.move_id
            if selection is not None and parse_ids(selection) != moves.ids:
                moves = moves.browse()
        if not moves and not items:
            raise ValidationError(_("These invoices cannot be paid through this link."))
        return moves, items

    def _get_transaction_amount(self, moves, value=None, items=None):
        """What a payment of ``moves`` (and ``items``) charges, computed on the
        server only: ``value`` (the form's amount) is accepted only where the
        page offers it."""
        self.ensure_one()
        asked = self._parse_asked_amount(value, moves or items)
        if self.scope == "portal":
            decision = self._get_payment_decision(moves, asked, items=items)
            if decision["error"]:
                raise ValidationError(decision["error"])
            return decision["amount"]
        # An invoice link takes no amount of the customer's choosing: the
        # whole balance where its page offers it, else the page's default (the
        # payment route reports a payment already in progress itself).
        decision = self._get_payment_decision(moves, asked, check_blockers=False)
        if decision["error"] or not decision["exact"]:
            decision = self._get_payment_decision(moves, check_blockers=False)
        return decision["amount"]

    def _get_checkout_values(self, invoice_ids=None, currency=None, amount=None, item_ids=None):
        """The values of the portal checkout page of ``invoice_ids`` and
        ``item_ids`` (query args: invoices, other amounts due) or of "Pay all"
        of ``currency``; ``amount`` the asked amount.

        ``amount_to_pay`` is what the payment form charges (0 with an
        ``amount_error``); None for a selection the link does not grant (the
        caller answers 404), a ``PortalPageError`` for one the page refuses.
        """
        self.ensure_one()
        more_open = False
        moves = self.env["account.move"].sudo()
        items = self.env["account.move.line"].sudo()
        if currency is not None:
            # "Pay all": what is open in that currency (invoices, then other
            # amounts due), listed or not, as many as one payment holds (one
            # more read tells there are more).
            selection = f"{PAY_ALL_PREFIX}{currency}"
            currency_id = parse_id(currency)
            if currency_id:
                moves, items = self._get_portal_open_in_currency(
                    currency_id, limit=MAX_INVOICES_PER_REQUEST + 1
                )
            more_open = len(moves) + len(items) > MAX_INVOICES_PER_REQUEST
            moves = moves[:MAX_INVOICES_PER_REQUEST]
            items = items[: MAX_INVOICES_PER_REQUEST - len(moves)]
            if not moves and not items:
                return None
        else:
            ids = parse_ids(*(invoice_ids or []))
            wanted_items = parse_ids(*(item_ids or []))
            self._check_selection_size([*(ids or []), *(wanted_items or [])])
            if ids:
                moves = self._get_granted_moves(ids)
            if wanted_items:
                items = self._get_granted_items(wanted_items)
            if (ids and not moves) or (wanted_items and not items):
                return None
            selection = ",".join(
                [str(move_id) for move_id in moves.ids]
                + [f"{ITEM_SELECTION_PREFIX}{item_id}" for item_id in items.ids]
            )
        asked_amount = self._parse_asked_amount(amount, moves or items)
        decision = self._get_payment_decision(moves, asked_amount, items=items)
        if decision["error"] and asked_amount is None:
            raise PortalPageError(decision["error"])
        asked = decision["asks"]
        return {
            "checkout_moves": moves,
            "checkout_items": items,
            "invoices": moves[:CHECKOUT_ROWS],
            "items": items[: max(0, CHECKOUT_ROWS - len(moves))],
            "item_asks": decision["item_asks"],
            "invoice_count": len(moves) + len(items),
            "currency": decision["currency"],
            # What each invoice asks today (payment terms) and, for one, its terms.
            "asked": asked,
            "amount_due": decision["total"],
            "credit_applied": decision["credit_used"] if decision["amount"] else 0.0,
            "credit": decision["credit"],
            "terms": decision["terms"],
            "amount_error": decision["error"],
            "amount_to_pay": decision["amount"],
            # For one invoice, the other amount its page offers: its whole balance.
            "full_amount_to_pay": decision["full_amount"],
            "selection": selection,
            "allow_partial": len(moves) == 1
            and not items
            and self.company_id.payment_link_allow_partial,
            # "Pay all" pays the oldest MAX_INVOICES_PER_REQUEST; say so when there are more.
            "max_invoices": MAX_INVOICES_PER_REQUEST,
            "more_open": more_open,
        }
