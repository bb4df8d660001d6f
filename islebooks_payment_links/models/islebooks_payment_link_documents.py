from odoo import _, api, fields, models
from odoo.osv import expression

from ..tools.constants import MAX_PDFS_PER_REQUEST, MAX_STATEMENT_DAYS
from ..tools.errors import PortalPageError
from ..tools.parsing import parse_id, parse_ids


class IslebooksPaymentLink(models.Model):
    """The documents a link hands out: the statement of account, the receipts of
    the payments made through it (payments of other links never), the ZIP of
    legal documents (PDFs and e-invoice XML)."""

    _inherit = "islebooks.payment.link"

    @api.model
    def _check_statement_period(self, date_from, date_to):
        """Why a statement of ``date_from`` to ``date_to`` is refused, or ""."""
        if date_from and date_to and abs((date_to - date_from).days) > MAX_STATEMENT_DAYS:
            return _(
                "A statement covers at most %(years)s years. Please choose a shorter period.",
                years=MAX_STATEMENT_DAYS // 366,
            )
        return ""

    def _render_statement_pdf(self, date_from=None, date_to=None):
        """The customer's statement of account as (pdf bytes, file name)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        date_to = date_to or today
        date_from = date_from or date_to.replace(month=1, day=1)
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        pdf, _type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(self.company_id)
            ._render_qweb_pdf(
                "islebooks_payment_links.report_partner_statement",
                res_ids=self.partner_id.ids,
                data={
                    "company_id": self.company_id.id,
                    "date_from": fields.Date.to_string(date_from),
                    "date_to": fields.Date.to_string(date_to),
                },
            )
        )
        filename = _(
            "Statement %(from)s - %(to)s.pdf",
            **{"from": date_from.isoformat(), "to": date_to.isoformat()},
        )
        return pdf, filename

    def _get_statement_pdf(self, date_from=None, date_to=None):
        """The statement of ``date_from`` to ``date_to`` (query args) as
        ``(pdf, file name)``; a ``PortalPageError`` for a period it refuses."""
        self.ensure_one()
        try:
            date_from = fields.Date.to_date(date_from) if date_from else None
            date_to = fields.Date.to_date(date_to) if date_to else None
            # Years before 1900 hold no accounting and do not survive the
            # report's date round trip (a 500 otherwise): refused like typos.
            if any(date and date.year < 1900 for date in (date_from, date_to)):
                raise ValueError(date_from, date_to)
        except ValueError as error:
            raise PortalPageError(_("Please choose valid dates for the statement.")) from error
        # The same defaults as the statement itself: to today, from January 1st.
        effective_to = date_to or fields.Date.context_today(self)
        effective_from = date_from or effective_to.replace(month=1, day=1)
        if error := self._check_statement_period(effective_from, effective_to):
            raise PortalPageError(error)
        return self._render_statement_pdf(date_from, date_to)

    def _get_receipt_transactions(self, domain=None):
        """The link's successful payments (sudo): done, turned into a payment."""
        self.ensure_one()
        return (
            self.env["payment.transaction"]
            .sudo()
            .search(
                expression.AND(
                    [
                        [
                            ("islebooks_payment_link_id", "=", self.id),
                            ("state", "=", "done"),
                            ("payment_id", "!=", False),
                        ],
                        domain or [],
                    ]
                ),
                order="id desc",
            )
        )

    def _get_receipt_transaction(self, tx_id):
        """The transaction ``tx_id`` (sudo) if it is a payment made through this
        link, else an empty recordset: ids come from the request."""
        self.ensure_one()
        # Werkzeug's <int:> takes any length: past 2**31 PostgreSQL would fail.
        tx_id = parse_id(tx_id)
        if not tx_id:
            return self.env["payment.transaction"].sudo().browse()
        return self._get_receipt_transactions([("id", "=", tx_id)])[:1]

    def _get_receipt_values(self, tx):
        """What a receipt of ``tx`` (a payment of this link) shows."""
        self.ensure_one()
        payment = tx.payment_id
        invoices = tx.invoice_ids
        return {
            "tx": tx,
            "payment": payment,
            "amount": tx.amount,
            "currency": tx.currency_id,
            "date": payment.date,
            "method": tx.payment_method_id.name or tx.provider_id.name,
            "reference": tx.reference,
            "invoices": invoices,
            # Other amounts due it paid (receivable items without an invoice).
            "items": tx.islebooks_receivable_line_ids.sudo(),
            "remaining": self._get_remaining_balance(tx.currency_id),
            "url": self._get_url(f"/receipt/{tx.id}"),
        }

    def _get_remaining_balance(self, currency):
        """What is left to pay in ``currency`` after a payment through this link:
        what the customer owes (portal links, as the portal says it), or what
        is left of the link's one invoice (an invoice link shows no more)."""
        self.ensure_one()
        if self.scope != "portal":
            return self.move_id.amount_residual if self.move_id.currency_id == currency else 0.0
        return self.partner_id._get_amount_owed_in(self.company_id, currency)

    def _get_landing_receipt(self, tx_id):
        """The receipt to show on the page the payment flow lands on: the
        browser session's last payment (Odoo's monitored transaction), if it
        was made through this link and has succeeded; else None."""
        self.ensure_one()
        tx = self._get_receipt_transaction(tx_id)
        return self._get_receipt_values(tx) if tx else None

    def _get_receipts_by_invoice(self, moves):
        """``{invoice id: [receipt url, ...]}``: the link's payments of ``moves`` (one query)."""
        self.ensure_one()
        receipts = {}
        if not moves:
            return receipts
        for tx in self._get_receipt_transactions([("invoice_ids", "in", moves.ids)]):
            for invoice in tx.invoice_ids:
                receipts.setdefault(invoice.id, []).append(self._get_url(f"/receipt/{tx.id}"))
        return receipts

    def _render_receipt_pdf(self, tx):
        """Odoo's payment receipt of ``tx`` (a payment of this link) as (pdf, file name)."""
        self.ensure_one()
        payment = tx.payment_id
        lang = self._get_customer_lang()
        pdf, _type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(self.company_id)
            .with_context(lang=lang)
            ._render_qweb_pdf("account.action_report_payment_receipt", res_ids=payment.ids)
        )
        filename = _("Receipt %s.pdf", (payment.name or tx.reference).replace("/", "_"))
        return pdf, filename

    def _get_zip_documents(self, invoice_ids):
        """The legal documents of ``invoice_ids`` (query args): each one's legal
        PDF and, when the company issues one, its e-invoice XML, as the
        ``[{"filename", "filetype", "content"}]`` of Odoo's
        ``_get_invoice_legal_documents_all`` that account's ``_build_zip_from_data`` zips.

        Empty when the link does not grant them all (the caller answers 404).
        Bounded work: past ``MAX_PDFS_PER_REQUEST`` missing PDFs, some are
        prepared now and a ``PortalPageError`` (409) asks for the next click.
        """
        self.ensure_one()
        ids = parse_ids(*(invoice_ids or []))
        self._check_selection_size(ids)
        moves = self._get_granted_moves(ids)
        if not moves:
            return []
        missing = moves.filtered(lambda move: not move.invoice_pdf_report_id)
        if len(missing) > MAX_PDFS_PER_REQUEST:
            missing[:MAX_PDFS_PER_REQUEST]._get_legal_pdfs()
            raise PortalPageError(
                _(
                    "Your invoices are being prepared: %(ready)s of %(count)s are ready. "
                    "Please download again in a moment to get them all.",
                    ready=len(moves) - len(missing) + MAX_PDFS_PER_REQUEST,
                    count=len(moves),
                ),
                status=409,
            )
        return moves._get_legal_documents()
