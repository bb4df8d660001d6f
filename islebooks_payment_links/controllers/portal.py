from urllib.parse import urlencode

from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.http import request

from odoo.addons.account.controllers.download_docs import _build_zip_from_data

from ..tools.errors import PortalPageError
from ..tools.formatting import PageFormatter
from ..tools.parsing import parse_page
from .invoice import PaymentLinkController


class PaymentLinkPortalController(PaymentLinkController):
    """The Customer Portal: every document of a customer on one portal link."""

    # ------------------------------------------------------------------
    # Page values (extended through super(), e.g. by the confirmation form)
    # ------------------------------------------------------------------

    def _render_link_page(self, link, status=200, **options):
        if link.scope != "portal":
            return super()._render_link_page(link, status=status, **options)
        return self._render_portal_page(link, status=status, **options)

    def _render_portal_page(self, link, status=200, **options):
        values = self._portal_page_values(link, **options)
        return request.render(
            "islebooks_payment_links.payment_link_portal_page", values, status=status
        )

    def _portal_page_values(self, link, error=None, **options):
        """Values of the portal page: its two lists page on their own
        (``sort``, ``page``, ``unpaid_page`` query arguments); ``error`` is
        the message of a refused request."""
        args = request.httprequest.args
        sort = "-due" if args.get("sort") == "-due" else "due"
        summary = link._get_portal_summary()
        totals = summary["totals"]
        paid, page, page_count = link._get_portal_paid(
            parse_page(args.get("page")), total=summary["paid_count"]
        )
        unpaid, unpaid_page, unpaid_page_count = link._get_portal_unpaid(
            sort,
            parse_page(args.get("unpaid_page")),
            total=sum(total["count"] for total in totals),
        )
        credit_notes = link._get_portal_open_credit_notes()
        items = link._get_portal_items()
        today = fields.Date.context_today(link)
        base_url = link._get_url()
        formatter = PageFormatter(link.env)
        return {
            "link": link,
            "company": link.company_id,
            "partner": link.partner_id,
            "base_url": base_url,
            # The rows' links, written once with what the website adds to a link
            # (the language prefix): their tags skip that rewriting
            # (data-no-post-process), which would otherwise run for every link.
            "rows_url": request.env["ir.qweb"]._post_processing_att("a", {"href": base_url})[
                "href"
            ],
            "fmt": formatter,
            "totals": totals,
            "credit_notes": credit_notes,
            "credit_rows": link._get_portal_rows(credit_notes, formatter),
            "receipt": link._get_landing_receipt(self._monitored_tx_id()),
            "receipts_by_invoice": link._get_receipts_by_invoice(paid),
            "unpaid": unpaid,
            "unpaid_rows": link._get_portal_rows(unpaid, formatter),
            # Other amounts due (receivable items without an invoice), the first page.
            "item_rows": link._get_portal_item_rows(items, formatter),
            "item_count": sum(total["item_count"] for total in totals),
            "paid_rows": link._get_portal_rows(paid, formatter, due=False),
            "unpaid_page": unpaid_page,
            "unpaid_page_count": unpaid_page_count,
            "paid": paid,
            "page": page,
            "page_count": page_count,
            "sort": sort,
            # Each list pages on its own: a pager link keeps the other list's page.
            "pager_url": lambda **changes: (
                "%s?%s"
                % (
                    base_url,
                    urlencode({"sort": sort, "unpaid_page": unpaid_page, "page": page, **changes}),
                )
            ),
            "today": today,
            "statement_from": today.replace(month=1, day=1),
            "wire_transfer_messages": link._get_wire_transfer_messages(),
            "error": error,
        }

    def _checkout_page_values(self, link, checkout):
        """Values of the checkout page of ``checkout`` (``_get_checkout_values``)."""
        values = {
            "link": link,
            "company": link.company_id,
            "partner": link.partner_id,
            "base_url": link._get_url(),
            **checkout,
        }
        if not checkout["amount_error"]:
            values.update(
                self._payment_form_values(
                    link,
                    checkout["checkout_moves"],
                    checkout["amount_to_pay"],
                    landing_route=link._get_url(),
                    transaction_route=link._get_url(f"/transaction/{checkout['selection']}"),
                    currency=checkout["currency"],
                )
            )
        return values

    def _portal_refusal(self, link, error):
        """The portal page with the message of a refused request."""
        return self._render_portal_page(link, status=error.status, error=error.args[0])

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @http.route(
        "/pay/<string:token>/invoice/<int:invoice_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_invoice(self, token, invoice_id, **kwargs):
        link = self._get_link(token, scope="portal")
        invoice = self._get_granted_move_or_404(link, invoice_id)
        values = self._invoice_page_values(
            link, invoice, base_route=link._get_url(f"/invoice/{invoice.id}")
        )
        return request.render("islebooks_payment_links.payment_link_invoice_page", values)

    @http.route(
        "/pay/<string:token>/invoice/<int:invoice_id>/pdf",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_invoice_pdf(self, token, invoice_id, **kwargs):
        link = self._get_link(token, scope="portal")
        attachment = self._get_granted_move_or_404(link, invoice_id)._get_legal_pdf()
        return self._file_response(attachment.raw, attachment.name)

    @http.route(
        "/pay/<string:token>/invoice/<int:invoice_id>/xml",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_invoice_xml(self, token, invoice_id, **kwargs):
        link = self._get_link(token, scope="portal")
        return self._einvoice_response(self._get_granted_move_or_404(link, invoice_id))

    @http.route(
        "/pay/<string:token>/zip",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_zip(self, token, **kwargs):
        link = self._get_link(token, scope="portal")
        try:
            documents = link._get_zip_documents(request.httprequest.args.getlist("invoice_ids"))
        except PortalPageError as error:
            return self._portal_refusal(link, error)
        if not documents:  # a document the link does not grant
            raise NotFound()
        content = _build_zip_from_data(documents)
        return self._file_response(content, _("invoices.zip"), "application/zip")

    @http.route(
        "/pay/<string:token>/checkout",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_checkout(self, token, amount=None, currency=None, **kwargs):
        link = self._get_link(token, scope="portal")
        try:
            args = request.httprequest.args
            checkout = link._get_checkout_values(
                args.getlist("invoice_ids"), currency, amount, item_ids=args.getlist("item_ids")
            )
        except PortalPageError as error:
            return self._portal_refusal(link, error)
        if checkout is None:  # a document the link does not grant
            raise NotFound()
        return request.render(
            "islebooks_payment_links.payment_link_checkout_page",
            self._checkout_page_values(link, checkout),
        )

    @http.route(
        "/pay/<string:token>/statement",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_statement(self, token, date_from=None, date_to=None, **kwargs):
        link = self._get_link(token, scope="portal")
        try:
            pdf, filename = link._get_statement_pdf(date_from, date_to)
        except PortalPageError as error:
            return self._portal_refusal(link, error)
        return self._file_response(pdf, filename)
