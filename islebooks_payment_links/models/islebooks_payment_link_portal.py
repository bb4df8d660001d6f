from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..tools.constants import (
    CUSTOMER_MOVE_TYPES,
    ITEM_SELECTION_PREFIX,
    MAX_INVOICES_PER_REQUEST,
    PAY_ALL_PREFIX,
    PORTAL_ITEM_FIELDS,
    PORTAL_PAGE_SIZE,
    PORTAL_ROW_FIELDS,
)
from ..tools.errors import PortalPageError
from ..tools.parsing import parse_id, parse_selection


class IslebooksPaymentLink(models.Model):
    """What a link grants and lists: the documents it may show, the moves a
    request names (all granted or none), the portal's paged lists and rows.
    Every read is bounded in queries."""

    _inherit = "islebooks.payment.link"

    def _get_portal_domain(self):
        """Domain of every document the link may show.

        The commercial partner covers the company and all its contacts; only
        posted customer invoices and credit notes of the link's company.
        """
        self.ensure_one()
        if self.scope == "invoice":
            return [("id", "=", self.move_id.id), ("company_id", "=", self.company_id.id)]
        return [
            ("commercial_partner_id", "=", self.partner_id.id),
            ("company_id", "=", self.company_id.id),
            ("move_type", "in", CUSTOMER_MOVE_TYPES),
            ("state", "=", "posted"),
        ]

    def _get_granted_moves(self, move_ids):
        """The moves of ``move_ids`` (sudo) if the link grants every one, else empty.

        Ids come from the request: one foreign, draft or unknown id refuses the
        whole selection rather than silently dropping it.
        """
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        wanted = list(dict.fromkeys(move_ids or []))
        if (
            not wanted
            or len(wanted) > MAX_INVOICES_PER_REQUEST
            or not all(isinstance(move_id, int) for move_id in wanted)
        ):
            return Move.browse()
        moves = Move.search(expression.AND([self._get_portal_domain(), [("id", "in", wanted)]]))
        if len(moves) != len(wanted):
            return Move.browse()
        return Move.browse(wanted)

    def _get_granted_items(self, item_ids):
        """The other amounts due of ``item_ids`` (``account.move.line``, sudo)
        if the link grants every one, else empty: a portal link grants its
        customer's receivable debit items without an invoice in its company
        (``res.partner._get_open_items_domain``, settled or not: a settled one
        is refused with its own message), re-read from the database each time."""
        self.ensure_one()
        Line = self.env["account.move.line"].sudo()
        wanted = list(dict.fromkeys(item_ids or []))
        if (
            self.scope != "portal"
            or not wanted
            or len(wanted) > MAX_INVOICES_PER_REQUEST
            or not all(isinstance(item_id, int) for item_id in wanted)
        ):
            return Line.browse()
        domain = [
            ("id", "in", wanted),
            *self.partner_id._get_open_items_domain(self.company_id, open_only=False),
        ]
        if Line.search_count(domain) != len(wanted):
            return Line.browse()
        return Line.browse(wanted)

    def _get_portal_items(self, currency_id=None, limit=PORTAL_PAGE_SIZE):
        """The customer's open other amounts due (sudo), oldest due first, read
        with what their rows show; ``currency_id``: in that currency only."""
        self.ensure_one()
        Line = self.env["account.move.line"].sudo()
        if self.scope != "portal":
            return Line.browse()
        domain = self.partner_id._get_open_items_domain(self.company_id)
        if currency_id:
            domain = [*domain, ("currency_id", "=", currency_id)]
        return Line.search_fetch(
            domain, PORTAL_ITEM_FIELDS, order="date_maturity ASC NULLS LAST, id ASC", limit=limit
        )

    def _get_portal_item_rows(self, items, formatter):
        """What the portal shows of each other amount due (see ``_get_portal_rows``)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        rows = []
        for item in items:
            currency = item.currency_id
            reference = item._get_item_reference()
            residual = item.amount_residual_currency
            rows.append(
                {
                    "id": item.id,
                    "value": f"{ITEM_SELECTION_PREFIX}{item.id}",
                    "reference": reference,
                    "label": item.name if item.name and item.name != reference else "",
                    "number": item.move_name if item.move_name != reference else "",
                    "overdue": bool(item.date_maturity and item.date_maturity < today),
                    "currency": currency,
                    "residual": residual,
                    "amount_due": formatter.amount(residual, currency),
                    "date": formatter.date(item.date),
                    "due_date": formatter.date(item.date_maturity),
                }
            )
        return rows

    def _get_portal_unpaid_domain(self):
        return expression.AND(
            [self._get_portal_domain(), self.env["account.move"]._get_open_domain()]
        )

    def _get_portal_unpaid(self, sort="due", page=1, total=None):
        """One page of the open invoices by due date (``sort`` 'due' or '-due').

        Returns ``(moves, page, page_count)``; paying them all is done per
        currency (``_get_portal_unpaid_in_currency``), not by listing them all.
        ``total``: how many there are, when the caller knows it already (the
        counts of ``_get_portal_totals``).
        """
        direction = "DESC" if sort == "-due" else "ASC"
        return self._search_portal_page(
            self._get_portal_unpaid_domain(),
            f"invoice_date_due {direction} NULLS LAST, id {direction}",
            page,
            total=total,
        )

    def _get_portal_unpaid_in_currency(self, currency_id, limit=MAX_INVOICES_PER_REQUEST):
        """The open invoices of the link in one currency ("Pay all"), by due date:
        the ``limit`` oldest (one payment pays at most that many)."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .search(
                expression.AND(
                    [self._get_portal_unpaid_domain(), [("currency_id", "=", currency_id)]]
                ),
                order="invoice_date_due ASC NULLS LAST, id ASC",
                limit=limit,
            )
        )

    def _get_portal_paid_domain(self):
        return expression.AND(
            [
                self._get_portal_domain(),
                # Settled documents only: an open credit note is available
                # credit (``res.partner._get_open_credit``), not history.
                self.env["account.move"]._get_settled_domain(),
            ]
        )

    def _get_portal_paid(self, page=1, total=None):
        """One page of the paid history (paid invoices and credit notes), newest
        first; ``total``: its length if known (``_get_portal_summary``)."""
        return self._search_portal_page(
            self._get_portal_paid_domain(), "invoice_date DESC, id DESC", page, total=total
        )

    def _search_portal_page(self, domain, order, page, total=None):
        """``(moves, page, page_count)``: page ``page`` (clamped) of ``domain``,
        read with the fields its rows show (``PORTAL_ROW_FIELDS``) in the same
        query; ``total``: the count of ``domain`` if known (else one more query)."""
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        if total is None:
            total = Move.search_count(domain)
        page_count = max(1, -(-total // PORTAL_PAGE_SIZE))
        page = min(max(1, page), page_count)
        moves = Move.search_fetch(
            domain,
            PORTAL_ROW_FIELDS,
            order=order,
            limit=PORTAL_PAGE_SIZE,
            offset=(page - 1) * PORTAL_PAGE_SIZE,
        )
        return moves, page, page_count

    def _get_portal_rows(self, moves, formatter, due=True):
        """What the portal shows of each of ``moves`` (a page of one of its
        lists), read and formatted in one pass: ``formatter`` is the page's
        ``PageFormatter``; ``due``: whether the list shows the amounts due
        (the paid history shows totals only). ``status`` is the key of the
        badge (``account.move._get_status_badges``, one query for the page)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        statuses = moves._get_status_badges()
        rows = []
        for move in moves:
            currency = move.currency_id
            due_date = move.invoice_date_due
            rows.append(
                {
                    "id": move.id,
                    "name": move.name,
                    "status": statuses[move.id],
                    "overdue": bool(due_date and due_date < today),
                    "currency": currency,
                    "residual": move.amount_residual,
                    "amount_due": formatter.amount(move.amount_residual, currency) if due else "",
                    # A credit note's total reads negative (as the history always showed it).
                    "amount_total": formatter.amount(
                        move.amount_total_signed
                        if move.move_type == "out_refund"
                        else move.amount_total,
                        currency,
                    ),
                    "invoice_date": formatter.date(move.invoice_date),
                    "due_date": formatter.date(due_date),
                }
            )
        return rows

    def _get_portal_open_in_currency(self, currency_id, limit=MAX_INVOICES_PER_REQUEST):
        """``(invoices, items)``: "Pay all" of one currency, the open invoices
        and then the other amounts due, at most ``limit`` in all."""
        self.ensure_one()
        moves = self._get_portal_unpaid_in_currency(currency_id, limit=limit)
        items = (
            self._get_portal_items(currency_id, limit=limit - len(moves))
            if len(moves) < limit
            else self.env["account.move.line"].sudo()
        )
        return moves, items

    def _get_selected_moves(self, selection):
        """``(invoices, items)`` a portal ``selection`` names, if the link
        grants them all (else both empty).

        ``selection`` is ids (``12-15`` means 12 and 15; ``r7`` the other
        amount due 7) or ``all-<currency id>``: everything open of the link in
        that currency ("Pay all"), resolved on the server instead of hundreds
        of ids in the URL.
        """
        self.ensure_one()
        selection = selection or ""
        nothing = (self.env["account.move"].sudo(), self.env["account.move.line"].sudo())
        if selection.startswith(PAY_ALL_PREFIX):
            currency_id = parse_id(selection[len(PAY_ALL_PREFIX) :])
            if not currency_id:
                return nothing
            return self._get_portal_open_in_currency(currency_id)
        ids, item_ids = parse_selection(selection, ITEM_SELECTION_PREFIX) or ([], [])
        self._check_selection_size([*ids, *item_ids], ValidationError)
        moves = self._get_granted_moves(ids) if ids else nothing[0]
        items = self._get_granted_items(item_ids) if item_ids else nothing[1]
        if (ids and not moves) or (item_ids and not items):
            return nothing
        return moves, items

    @api.model
    def _check_selection_size(self, ids, error=None):
        """Refuse more than ``MAX_INVOICES_PER_REQUEST`` ids (``error``: the
        exception class, a ``PortalPageError`` by default)."""
        if ids and len(ids) > MAX_INVOICES_PER_REQUEST:
            raise (error or PortalPageError)(
                _("Please select at most %(max)s invoices at once.", max=MAX_INVOICES_PER_REQUEST)
            )

    def _get_wire_transfer_messages(self):
        """Bank details of the link's company, where wire transfer is enabled."""
        self.ensure_one()
        Provider = self.env["payment.provider"].sudo()
        if "custom_mode" not in Provider._fields:  # payment_custom not installed
            return []
        # One query: the providers and what their messages need.
        providers = Provider.search_fetch(
            [
                ("custom_mode", "=", "wire_transfer"),
                ("state", "in", ("enabled", "test")),
                ("company_id", "=", self.company_id.id),
            ],
            ["custom_mode", "pending_msg"],
        )
        providers._transfer_ensure_pending_msg_is_set()
        return [provider.pending_msg for provider in providers if provider.pending_msg]

    def _get_portal_open_credit_notes(self):
        """The first page of the customer's open credit notes, oldest first (sudo)."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .search_fetch(
                expression.AND(
                    [
                        self._get_portal_domain(),
                        self.env["account.move"]._get_open_domain("out_refund"),
                    ]
                ),
                PORTAL_ROW_FIELDS,
                order="invoice_date, id",
                limit=PORTAL_PAGE_SIZE,
            )
        )
