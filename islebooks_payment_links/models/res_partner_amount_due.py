from odoo import fields, models
from odoo.osv import expression
from odoo.tools import SQL

from ..tools.constants import CUSTOMER_MOVE_TYPES


class ResPartner(models.Model):
    """What a customer owes: the one answer every page, message and document reads.

    Per invoice, what is asked today is ``account.move._get_amount_due_values``
    (Odoo's own payment terms); here, per customer and currency, the balance
    net of open credit, its overdue part and what paying now asks. The portal
    page, the Generate Payment Link messages, the reminders, the statement and
    the receipts read ``_get_amount_owed``; a payment's amount is decided by
    ``islebooks.payment.link._get_payment_decision`` from the same parts.
    """

    _inherit = "res.partner"

    def _get_owed_invoice_domain(self, company):
        """The posted customer invoices and credit notes of this customer in
        ``company`` (the commercial partner covers all its contacts)."""
        self.ensure_one()
        return [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", company.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]

    def _get_open_credit_domain(self, company, currency=None):
        """The customer's open credit: unreconciled credit items of its receivable
        (open credit notes, payments not yet matched), as the statement reads them."""
        self.ensure_one()
        domain = [
            *self._get_receivable_domain(company),
            ("reconciled", "=", False),
            ("balance", "<", 0),
        ]
        if currency:
            domain.append(("currency_id", "=", currency.id))
        return domain

    def _get_open_credit(self, company):
        """``{currency: open credit}`` of this customer in ``company`` (one grouped query)."""
        self.ensure_one()
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                self._get_open_credit_domain(company),
                ["currency_id"],
                ["amount_residual_currency:sum"],
            )
        )
        return {currency: -amount for currency, amount in groups if not currency.is_zero(amount)}

    def _get_open_credit_lines(self, company, currency):
        """The open credit items in ``currency``, oldest first (sudo): what a
        payment that uses the credit is reconciled with."""
        self.ensure_one()
        return (
            self.env["account.move.line"]
            .sudo()
            .search(self._get_open_credit_domain(company, currency), order="date, id")
        )

    def _get_open_items_domain(self, company, currency=None, open_only=True):
        """The customer's other amounts due: open debit items of its receivable
        that are no customer invoice (Point of Sale sales on account, opening
        balances, manual entries). Its open credit items are credit
        (``_get_open_credit_domain``), its invoices' installments are invoices.
        Without ``open_only``, settled ones too."""
        self.ensure_one()
        domain = [
            *self._get_receivable_domain(company),
            ("balance", ">", 0),
            ("move_id.move_type", "not in", CUSTOMER_MOVE_TYPES),
        ]
        if open_only:
            domain.append(("reconciled", "=", False))
        if currency:
            domain.append(("currency_id", "=", currency.id))
        return domain

    def _get_amount_owed(self, company, moves=None, use_credit=True, to_pay=False, items=None):
        """What this customer owes ``company``, per currency.

        Each row: ``currency``; ``count``, its open invoices; ``item_count``,
        its other amounts due (open receivable items without an invoice, see
        ``_get_open_items_domain``); ``residual``, the balance of both;
        ``credit``, the customer's open credit (with ``use_credit``);
        ``amount``, what it owes, the balance net of that credit, never below
        zero (``credit_left``: the credit beyond it);
        ``overdue``, the part of the balance past its due date (open
        installments due before today, in the visitor's time zone on a page);
        with ``to_pay`` (or ``moves``), ``asked``: what paying these invoices
        and the other amounts due counted asks today, each invoice as its
        payment terms ask (running discount,
        installments; ``account.move._get_amount_due_values``), and ``to_pay``:
        that net of the credit.

        ``moves``: only these invoices (a reminder's, a selection), else every
        open invoice. ``items``: the other amounts due counted, each asking its
        whole residual: ``True`` every one, a recordset only those; by default
        every one without ``moves``, none with. Two queries whatever the
        number of invoices and items (the credit, and the invoices' open
        installments with the other items); with ``to_pay``, two more, the
        payment terms being read only for the invoices whose terms decide.
        """
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        Line = self.env["account.move.line"].sudo()
        Currency = self.env["res.currency"]
        domain = expression.AND([self._get_owed_invoice_domain(company), Move._get_open_domain()])
        if moves is not None:
            domain = expression.AND([domain, [("id", "in", moves.ids)]])
        if items is None:
            items = moves is None
        # One query over the invoices' open installments (their receivable
        # items) and the other open receivable items: per currency, the
        # invoices, the other items, their balance and its overdue part.
        today = fields.Date.context_today(self)
        line_domains = [
            [
                ("move_id", "any", domain),
                ("display_type", "=", "payment_term"),
                ("reconciled", "=", False),
            ]
        ]
        if items is True:
            line_domains.append(self._get_open_items_domain(company))
        elif items:
            line_domains.append([*self._get_open_items_domain(company), ("id", "in", items.ids)])
        query = Line._search(expression.OR(line_domains))
        move = query.join("account_move_line", "move_id", "account_move", "id", "owed_move")
        is_item = SQL("%s NOT IN %s", SQL.identifier(move, "move_type"), CUSTOMER_MOVE_TYPES)
        query.groupby = SQL("account_move_line.currency_id")
        # Raw SQL: what a payment has just reconciled in this transaction must count.
        Move.flush_model()
        Line.flush_model()
        self.env.cr.execute(
            query.select(
                SQL(
                    """account_move_line.currency_id,
                       COUNT(DISTINCT account_move_line.move_id) FILTER (WHERE NOT %(is_item)s),
                       COUNT(*) FILTER (WHERE %(is_item)s),
                       SUM(account_move_line.amount_residual_currency),
                       SUM(account_move_line.amount_residual_currency)
                           FILTER (WHERE account_move_line.date_maturity < %(today)s),
                       SUM(account_move_line.amount_residual_currency)
                           FILTER (WHERE %(is_item)s)""",
                    is_item=is_item,
                    today=today,
                )
            )
        )
        rows = {}
        overdue = {}
        for currency_id, count, item_count, residual, late, item_residual in self.env.cr.fetchall():
            currency = Currency.browse(currency_id)
            # An other amount due asks its whole residual.
            rows[currency] = {
                "count": count,
                "item_count": item_count,
                "residual": residual or 0.0,
                "asked": item_residual or 0.0,
            }
            overdue[currency] = late or 0.0
        if to_pay or moves is not None:
            invoices = Move.search_fetch(domain, ["currency_id", "amount_residual"])
            for invoice_id, amount in invoices._get_amounts_asked().items():
                row = rows.setdefault(
                    Move.browse(invoice_id).currency_id,
                    {"count": 0, "item_count": 0, "residual": 0.0, "asked": 0.0},
                )
                row["asked"] += amount
        credits = self._get_open_credit(company) if use_credit else {}
        if moves is None:
            for currency in credits:
                rows.setdefault(
                    currency, {"count": 0, "item_count": 0, "residual": 0.0, "asked": 0.0}
                )
        result = []
        # The company's currency first, then by name.
        for currency, row in sorted(
            rows.items(), key=lambda item: (item[0] != company.currency_id, item[0].name)
        ):
            credit = credits.get(currency, 0.0)
            residual = currency.round(row["residual"])
            values = {
                "currency": currency,
                "count": row["count"],
                "item_count": row["item_count"],
                "residual": residual,
                "credit": credit,
                "amount": currency.round(max(0.0, residual - credit)),
                "credit_left": currency.round(max(0.0, credit - residual)),
                "overdue": currency.round(min(overdue.get(currency, 0.0), residual)),
            }
            if to_pay or moves is not None:
                values["asked"] = currency.round(row["asked"])
                values["to_pay"] = currency.round(max(0.0, row["asked"] - credit))
            result.append(values)
        return result

    def _get_amount_owed_in(self, company, currency):
        """What this customer owes ``company`` in ``currency``: the ``amount`` of
        its ``_get_amount_owed`` row (net of open credit), 0.0 without one."""
        self.ensure_one()
        owed = self._get_amount_owed(company)
        return next((row["amount"] for row in owed if row["currency"] == currency), 0.0)
