import io
import zipfile
from urllib.parse import quote, urlencode

from werkzeug.exceptions import Forbidden, abort

from odoo import _, fields, http
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.http import content_disposition, request

from odoo.addons.account_payment.controllers.portal import PortalAccount
from odoo.addons.payment.controllers.post_processing import PaymentPostProcessing

from ..models.ir_http import harden, use_customer_lang
from ..models.islebooks_payment_link import MAX_INVOICES_PER_REQUEST, MAX_PDFS_PER_REQUEST
from ..models.islebooks_payment_link_throttle import TX_KEY_PREFIX, TX_WINDOW_MINUTES, client_key
from ..tools.parsing import parse_amount, parse_id, parse_ids, parse_page

# A portal selection of every open invoice in one currency ("Pay all"):
# ``all-<currency id>`` instead of hundreds of ids in the URL.
PAY_ALL_PREFIX = "all-"
# The checkout lists this many of the invoices it pays, then "+ N more".
CHECKOUT_ROWS = 20


class PaymentLinkController(PortalAccount):
    """Customer-facing pages of payment links: the token is the only credential.

    Every route resolves the token first; only the records the link grants are
    then read with sudo().
    """

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @staticmethod
    def _client_address():
        # Odoo applies ProxyFix to remote_addr only in --proxy-mode: a spoofed
        # X-Forwarded-For is ignored otherwise. Never read that header here.
        return request.httprequest.remote_addr or "unknown"

    @classmethod
    def _throttle_refusal(cls):
        """The 429 answer for a client address past the failure limit, or None.

        One indexed read, nothing written.
        """
        throttle = request.env["islebooks.payment.link.throttle"].sudo()
        if retry_after := throttle._retry_after(cls._client_address()):
            return cls._too_many_requests(retry_after)
        return None

    @classmethod
    def _check_throttle(cls):
        """Abort with the 429 page when the client address is past the limit.

        Call it first in every public route of the addon that takes a secret
        or sends something (e.g. a POST form).
        """
        if refusal := cls._throttle_refusal():
            abort(refusal)

    @classmethod
    def _register_failed_attempt(cls):
        """Count one failed or suspicious attempt of the client address.

        For every public POST of the addon that checks a secret (e.g. the
        bank-transfer confirmation form): the count is committed even when the
        request is rolled back.
        """
        request.env["islebooks.payment.link.throttle"].sudo()._register_failure(
            cls._client_address()
        )

    @classmethod
    def _resolve_or_fail(cls, token):
        """``(link, refusal)``: the active link of ``token``, or the answer to return.

        The one entry point of every /pay/<token> page. A valid token is always
        served, even from an address past the failure limit (customers on a
        carrier's NAT share addresses with guessers); a failed lookup from such
        an address gets the 429 page, otherwise it is counted and answered
        with the one 404 page. The lookup comes first either way: it is one
        indexed digest query, the same for every token, so the order tells
        nothing. Success writes nothing here. Usage::

            link, refusal = self._resolve_or_fail(token)
            if refusal:
                return refusal
        """
        link = request.env["islebooks.payment.link"]._resolve(token)
        if link:
            return link, None
        if refusal := cls._throttle_refusal():
            return None, refusal
        cls._register_failed_attempt()
        return None, cls._not_found()

    @classmethod
    def _resolve_invoice_link(cls, token):
        """``_resolve_or_fail`` for the routes that open one invoice: there, a
        link of another scope (a customer portal) is not found."""
        link, refusal = cls._resolve_or_fail(token)
        if link and link.scope != "invoice":
            return None, cls._not_found()
        return link, refusal

    @classmethod
    def _link_or_none(cls, token):
        """The active link of ``token`` or None, throttled and counted like
        ``_resolve_or_fail`` (aborts with the 429 page on a throttled failure)."""
        link, refusal = cls._resolve_or_fail(token)
        if refusal is not None and refusal.status_code == 429:
            abort(refusal)
        return link

    @classmethod
    def _resolve_or_abort(cls, token):
        """The active link of ``token``; else abort with the refusal (JSON routes)."""
        link, refusal = cls._resolve_or_fail(token)
        if refusal:
            abort(refusal)
        return link

    @classmethod
    def _not_found(cls):
        if request.dispatcher.routing_type == "json":
            response = cls._json_error(_("This payment link is no longer valid."), 404)
        else:
            response = request.render(
                "islebooks_payment_links.payment_link_not_found",
                {"renew_action": cls._renew_action()},
                status=404,
            )
            # Render now: when aborted, the cursor is closed before lazy rendering.
            response.flatten()
        # Hardened here, not only by ir.http: aborted from a JSON route, this
        # response skips both _post_dispatch and _handle_error.
        return harden(response)

    @classmethod
    def _too_many_requests(cls, retry_after):
        minutes = max(1, -(-retry_after // 60))
        if request.dispatcher.routing_type == "json":
            response = cls._json_error(
                _("Too many attempts. Please try again in %s minutes.", minutes), 429
            )
        else:
            response = request.render(
                "islebooks_payment_links.payment_link_too_many_requests",
                {"minutes": minutes},
                status=429,
            )
            response.flatten()
        response.headers["Retry-After"] = str(retry_after)
        return harden(response)  # aborted from JSON routes too, see _not_found

    @staticmethod
    def _json_error(message, status):
        """A JSON-RPC error the payment form shows as is, with a real HTTP status."""
        response = request.make_json_response(
            {
                "jsonrpc": "2.0",
                "id": getattr(request.dispatcher, "request_id", None),
                "error": {
                    "code": status,
                    "message": message,
                    "data": {
                        "name": "odoo.exceptions.ValidationError",
                        "message": message,
                        "arguments": [message],
                        "context": {},
                        "debug": "",
                    },
                },
            },
            status=status,
        )
        return response

    @staticmethod
    def _renew_action():
        """Where the not-found page's form posts: the same for every token."""
        path = request.httprequest.path.rstrip("/")
        token = path.split("/pay/", 1)[1].split("/", 1)[0] if "/pay/" in path else ""
        return f"/pay/{quote(token, safe='')}/renew" if token else ""

    @staticmethod
    def _link_tx_partner(link, invoices):
        # Several contacts' invoices paid at once: the payer is their company.
        return invoices.partner_id if len(invoices.partner_id) == 1 else link.partner_id

    @staticmethod
    def _safe_landing_route(link, route):
        # The customer returns to a page of the same link, never elsewhere.
        base = f"/pay/{link.token}"
        if isinstance(route, str) and (route == base or route.startswith(base + "/")):
            return route
        return base

    @staticmethod
    def _parse_ids(*values):
        """Invoice ids from ``1,2`` strings or repeated query args; None if malformed."""
        return parse_ids(*values)

    @staticmethod
    def _asked_amount(value, invoices):
        """The amount the request asks to pay: None (the amount due) when not
        given, -1.0 (refused as not positive) when it is no plain amount in the
        invoices' currency (``nan``, ``1e308``, too many decimals...)."""
        if value is None or value == "":
            return None
        amount = parse_amount(value, invoices.currency_id[:1].decimal_places or 2)
        return -1.0 if amount is None else amount

    def _requested_ids(self):
        return self._parse_ids(*request.httprequest.args.getlist("invoice_ids"))

    @classmethod
    def _selected_moves(cls, link, selection):
        """The invoices a portal ``selection`` names, if the link grants them all.

        ``selection`` is ids (``12-15``) or ``all-<currency id>``: every open
        invoice of the link in that currency, resolved on the server.
        """
        selection = selection or ""
        if selection.startswith(PAY_ALL_PREFIX):
            currency_id = parse_id(selection[len(PAY_ALL_PREFIX) :])
            if not currency_id:
                return request.env["account.move"].sudo().browse()
            return link._get_portal_unpaid_in_currency(currency_id)
        return link._get_granted_moves(cls._parse_ids(selection) or [])

    def _payment_form_values(
        self, link, invoices, amount, landing_route=None, transaction_route=None
    ):
        """Values for Odoo's ``payment.form``, computed from the link only."""
        invoice = invoices[:1]
        values = self._get_common_page_view_values(
            invoices_data={
                "partner": self._link_tx_partner(link, invoices),
                "company": link.company_id,
                "total_amount": amount,
                "currency": invoice.currency_id,
                "amount_residual": amount,
                "landing_route": landing_route or f"/pay/{link.token}",
                "transaction_route": transaction_route or f"/pay/{link.token}/transaction",
            },
        )
        # Whoever holds the link may pay, but never with the customer's saved
        # cards, and never saves one for them.
        values.update(
            amount=amount,
            tokens_sudo=request.env["payment.token"].sudo().browse(),
            show_tokenize_input_mapping=dict.fromkeys(values["providers_sudo"].ids, False),
        )
        return values

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @http.route(
        "/pay/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_page(self, token, sort="due", page="1", unpaid_page="1", **kwargs):
        link, refusal = self._resolve_or_fail(token)
        if refusal:
            return refusal
        link._register_view()
        link = use_customer_lang(link, link._get_customer_lang())
        if link.scope == "portal":
            return self._render_portal_page(link, sort=sort, page=page, unpaid_page=unpaid_page)
        return self._render_invoice_page(link, link.move_id)

    def _render_invoice_page(self, link, invoice, base_route=None):
        """The page of one invoice: on its own link, or inside a portal link."""
        base_route = base_route or f"/pay/{link.token}"
        blocker = invoice._get_payment_blocker()
        values = {
            "link": link,
            "invoice": invoice,
            "company": link.company_id,
            "blocker": blocker,
            # Odoo's cancel resets the invoice and detaches its PDF: no dead button.
            "pdf_url": f"{base_route}/pdf" if invoice._has_legal_pdf() else False,
            "back_url": f"/pay/{link.token}" if link.scope == "portal" else False,
            "receipt": link._get_landing_receipt(self._monitored_tx_id()),
        }
        if not blocker:
            # What Odoo's own page asks (payment terms); "?pay=full": the whole balance.
            pay_full = request.httprequest.args.get("pay") == "full"
            terms, amount, credit, values["blocker"] = link._get_invoice_page_amount(
                invoice, pay_full
            )
            values.update(
                terms=terms,
                pay_full=pay_full,
                pay_full_url=f"{base_route}?pay=full",
                pay_next_url=base_route,
                credit_applied=credit,
            )
        if not values["blocker"]:
            values.update(
                self._payment_form_values(
                    link,
                    invoice,
                    amount,
                    landing_route=base_route,
                    transaction_route=(
                        f"/pay/{link.token}/transaction/{invoice.id}"
                        if link.scope == "portal"
                        else None
                    ),
                )
            )
        return request.render("islebooks_payment_links.payment_link_invoice_page", values)

    def _render_portal_page(
        self, link, sort="due", page="1", unpaid_page="1", error=None, status=200
    ):
        sort = "-due" if sort == "-due" else "due"
        paid, page, page_count = link._get_portal_paid(self._page_number(page))
        unpaid, unpaid_page, unpaid_page_count = link._get_portal_unpaid(
            sort, self._page_number(unpaid_page)
        )
        today = fields.Date.context_today(link)
        base_url = f"/pay/{link.token}"
        values = {
            "link": link,
            "company": link.company_id,
            "partner": link.partner_id,
            "base_url": base_url,
            "totals": link._get_portal_totals(),
            "credit_notes": link._get_portal_open_credit_notes(),
            "receipt": link._get_landing_receipt(self._monitored_tx_id()),
            "receipts_by_invoice": link._get_receipts_by_invoice(paid),
            "unpaid": unpaid,
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
        response = request.render("islebooks_payment_links.payment_link_portal_page", values)
        response.status_code = status
        return response

    @staticmethod
    def _monitored_tx_id():
        # The browser session's last payment, as Odoo's /payment/status reads it.
        return request.session.get(PaymentPostProcessing.MONITORED_TX_ID_KEY)

    @staticmethod
    def _page_number(value):
        return parse_page(value)

    def _portal_link_or_none(self, token):
        link = self._link_or_none(token)
        if not link or link.scope != "portal":
            return None
        return use_customer_lang(link, link._get_customer_lang())

    @http.route(
        "/pay/<string:token>/invoice/<int:invoice_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_invoice(self, token, invoice_id, **kwargs):
        link = self._portal_link_or_none(token)
        invoice = link and link._get_granted_moves([invoice_id])
        if not invoice:
            return self._not_found()
        return self._render_invoice_page(
            link, invoice, base_route=f"/pay/{token}/invoice/{invoice.id}"
        )

    @http.route(
        "/pay/<string:token>/invoice/<int:invoice_id>/pdf",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_invoice_pdf(self, token, invoice_id, **kwargs):
        link = self._portal_link_or_none(token)
        invoice = link and link._get_granted_moves([invoice_id])
        if not invoice:
            return self._not_found()
        return self._pdf_response(invoice._get_legal_pdf())

    @http.route(
        "/pay/<string:token>/zip",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_zip(self, token, **kwargs):
        link = self._portal_link_or_none(token)
        ids = self._requested_ids()
        if link and ids and len(ids) > MAX_INVOICES_PER_REQUEST:
            return self._too_many_invoices(link)
        invoices = link and link._get_granted_moves(ids)
        if not invoices:
            return self._not_found()
        missing = invoices.filtered(lambda invoice: not invoice.invoice_pdf_report_id)
        if len(missing) > MAX_PDFS_PER_REQUEST:
            # Bounded work: prepare some of the PDFs now, the rest on the next click.
            missing[:MAX_PDFS_PER_REQUEST]._get_legal_pdfs()
            return self._render_portal_page(
                link,
                error=_(
                    "Your invoices are being prepared: %(ready)s of %(count)s are ready. "
                    "Please download again in a moment to get them all.",
                    ready=len(invoices) - len(missing) + MAX_PDFS_PER_REQUEST,
                    count=len(invoices),
                ),
                status=409,
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for invoice, attachment in zip(invoices, invoices._get_legal_pdfs(), strict=True):
                archive.writestr(attachment.name or f"{invoice.name}.pdf", attachment.raw)
        return request.make_response(
            buffer.getvalue(),
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Disposition", content_disposition(_("invoices.zip"))),
            ],
        )

    def _too_many_invoices(self, link):
        return self._render_portal_page(
            link,
            error=_(
                "Please select at most %(max)s invoices at once.", max=MAX_INVOICES_PER_REQUEST
            ),
            status=400,
        )

    @http.route(
        "/pay/<string:token>/checkout",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_checkout(self, token, amount=None, currency=None, **kwargs):
        link = self._portal_link_or_none(token)
        if not link:
            return self._not_found()
        more_open = False
        if currency is not None:
            # "Pay all": the open invoices in that currency, listed or not, as
            # many as one payment holds (one more read tells there are more).
            selection = f"{PAY_ALL_PREFIX}{currency}"
            currency_id = parse_id(currency)
            invoices = (
                link._get_portal_unpaid_in_currency(currency_id, limit=MAX_INVOICES_PER_REQUEST + 1)
                if currency_id
                else request.env["account.move"].sudo().browse()
            )
            more_open = len(invoices) > MAX_INVOICES_PER_REQUEST
            invoices = invoices[:MAX_INVOICES_PER_REQUEST]
            if not invoices:
                return self._not_found()
        else:
            ids = self._requested_ids()
            if ids and len(ids) > MAX_INVOICES_PER_REQUEST:
                return self._too_many_invoices(link)
            invoices = link._get_granted_moves(ids)
            if ids and not invoices:
                return self._not_found()
            selection = ",".join(str(invoice_id) for invoice_id in invoices.ids)
        asked = self._asked_amount(amount, invoices)
        total, error = link._get_portal_payable(invoices, asked)
        if error and asked is None:
            return self._render_portal_page(link, error=error, status=400)
        values = {
            "link": link,
            "company": link.company_id,
            "partner": link.partner_id,
            "base_url": f"/pay/{token}",
            "invoices": invoices[:CHECKOUT_ROWS],
            "invoice_count": len(invoices),
            "currency": invoices.currency_id,
            # What each invoice asks today (payment terms) and, for one, its terms.
            "asked": (asked := invoices._get_link_asked_amounts()),
            "amount_due": sum(asked.values()),
            "credit_applied": link._get_checkout_credit(invoices, total),
            "credit": link._get_portal_credits().get(invoices.currency_id[:1], 0.0),
            "terms": invoices._get_link_payment_values() if len(invoices) == 1 else None,
            "amount_error": error,
            "selection": selection,
            "allow_partial": len(invoices) == 1 and link.company_id.payment_link_allow_partial,
            # "Pay all" pays the oldest MAX_INVOICES_PER_REQUEST; say so when there are more.
            "max_invoices": MAX_INVOICES_PER_REQUEST,
            "more_open": more_open,
        }
        if not error:
            values.update(
                self._payment_form_values(
                    link,
                    invoices,
                    total,
                    landing_route=f"/pay/{token}",
                    transaction_route=f"/pay/{token}/transaction/{selection}",
                )
            )
        return request.render("islebooks_payment_links.payment_link_checkout_page", values)

    @http.route(
        "/pay/<string:token>/statement",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_portal_statement(self, token, date_from=None, date_to=None, **kwargs):
        link = self._portal_link_or_none(token)
        if not link:
            return self._not_found()
        try:
            date_from = fields.Date.to_date(date_from) if date_from else None
            date_to = fields.Date.to_date(date_to) if date_to else None
            # Years before 1900 hold no accounting and do not survive the
            # report's date round trip (a 500 otherwise): refused like typos.
            if any(date and date.year < 1900 for date in (date_from, date_to)):
                raise ValueError(date_from, date_to)
        except ValueError:
            return self._render_portal_page(
                link, error=_("Please choose valid dates for the statement."), status=400
            )
        # The same defaults as the statement itself: to today, from January 1st.
        effective_to = date_to or fields.Date.context_today(link)
        effective_from = date_from or effective_to.replace(month=1, day=1)
        if error := link._check_statement_period(effective_from, effective_to):
            return self._render_portal_page(link, error=error, status=400)
        pdf, filename = link._render_statement_pdf(date_from, date_to)
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    @http.route(
        "/pay/<string:token>/pdf",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,  # its 404 page uses the site's layout
        sitemap=False,
    )
    def payment_link_pdf(self, token, **kwargs):
        link, refusal = self._resolve_invoice_link(token)
        if refusal:
            return refusal
        attachment = link.move_id._get_legal_pdf()
        if not attachment:
            return self._not_found()
        return self._pdf_response(attachment)

    @http.route(
        "/pay/<string:token>/receipt/<int:tx_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_receipt(self, token, tx_id, **kwargs):
        """Odoo's payment receipt of a payment made through this link, never another's."""
        link, refusal = self._resolve_or_fail(token)
        if refusal:
            return refusal
        tx = link._get_receipt_transaction(tx_id)
        if not tx:
            return self._not_found()
        pdf, filename = link._render_receipt_pdf(tx)
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    def _pdf_response(self, attachment):
        return request.make_response(
            attachment.raw,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", content_disposition(attachment.name)),
            ],
        )

    @http.route(
        [
            "/pay/<string:token>/transaction",
            # Portal links: the invoices ticked by the customer, each checked
            # against the link's scope before anything else.
            "/pay/<string:token>/transaction/<string:selection>",
        ],
        type="json",
        auth="public",
    )
    def payment_link_transaction(self, token, selection=None, csrf_token=None, **kwargs):
        # JSON routes skip Odoo's CSRF check; the payment form sends the token,
        # so enforce it like any other POST.
        link = self._resolve_or_abort(token)
        if not isinstance(csrf_token, str) or not request.validate_csrf(csrf_token):
            raise Forbidden()
        if link.scope == "portal":
            ids = None if (selection or "").startswith(PAY_ALL_PREFIX) else parse_ids(selection)
            if ids and len(ids) > MAX_INVOICES_PER_REQUEST:
                raise ValidationError(
                    _(
                        "Please select at most %(max)s invoices at once.",
                        max=MAX_INVOICES_PER_REQUEST,
                    )
                )
            invoices = self._selected_moves(link, selection)
            if not invoices:
                raise ValidationError(_("These invoices cannot be paid through this link."))
        else:
            invoices = link.move_id
            if selection is not None and self._parse_ids(selection) != invoices.ids:
                raise ValidationError(_("These invoices cannot be paid through this link."))
        self._validate_transaction_kwargs(
            kwargs, additional_allowed_keys={"access_token", "name_next_installment"}
        )
        return self._create_link_transaction(link, invoices, kwargs)

    @http.route(
        "/pay/<string:token>/renew",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def payment_link_renew(self, token, **kwargs):
        """Ask for a fresh link from a dead one; the answer is the same for any token."""
        self._check_throttle()
        # Every request counts: it also caps the emails one address can trigger.
        self._register_failed_attempt()
        request.env["islebooks.payment.link"]._request_renewal(token)
        return request.render("islebooks_payment_links.payment_link_renew_requested", {})

    @classmethod
    def _check_transaction_rate(cls, link):
        """Abort with a 429 once the link or the client address started too many
        payments in the last hour (card testing through a forwarded link)."""
        Throttle = request.env["islebooks.payment.link.throttle"].sudo()
        _per_link, per_address = Throttle._get_transaction_limits()
        key = TX_KEY_PREFIX + client_key(cls._client_address())
        retry_after = max(
            link._get_transaction_retry_after(),
            Throttle._retry_after_key(key, per_address, TX_WINDOW_MINUTES),
        )
        if retry_after:
            abort(cls._too_many_requests(retry_after))

    def _create_link_transaction(self, link, invoices, kwargs):
        """Create the transaction for ``invoices`` with server-side amounts only."""
        if not invoices:
            # E.g. a portal link on the one-invoice route: nothing it names.
            raise ValidationError(_("These invoices cannot be paid through this link."))
        self._check_transaction_rate(link)
        # Row locks until this request commits: a second attempt started at
        # the same moment is refused instead of creating a second payment.
        invoices._lock_for_link_payment()
        if link.scope == "portal":
            asked = self._asked_amount(kwargs.get("amount"), invoices)
            amount, error = link._get_portal_payable(invoices, asked)
            if error:
                raise ValidationError(error)
        else:
            # Not a plain amount (nan, 1e308...): the page's default amount.
            asked = self._asked_amount(kwargs.get("amount"), invoices)
            amount = link._get_invoice_link_amount(asked if asked is None or asked >= 0 else None)
        if kwargs.get("flow") not in ("redirect", "direct"):
            raise ValidationError(_("Saved payment methods cannot be used through a payment link."))
        form_values = self._payment_form_values(link, invoices, amount)
        provider_id = self._cast_as_int(kwargs.get("provider_id"))
        method_id = self._cast_as_int(kwargs.get("payment_method_id"))
        if provider_id not in form_values["providers_sudo"].ids or (
            method_id not in form_values["payment_methods_sudo"].ids
        ):
            raise ValidationError(_("This payment method is not available for this invoice."))
        tx_sudo = self._create_transaction(
            provider_id=provider_id,
            payment_method_id=method_id,
            token_id=None,
            amount=amount,
            currency_id=invoices.currency_id.id,
            partner_id=self._link_tx_partner(link, invoices).id,
            flow=kwargs["flow"],
            tokenization_requested=False,
            landing_route=self._safe_landing_route(link, kwargs.get("landing_route")),
            # Several invoices: one batch reference (BATCH/2026/00001) as Odoo's
            # overdue payment does, rather than every invoice name joined.
            reference_prefix=(
                link.company_id.get_next_batch_payment_communication()
                if len(invoices) > 1
                else None
            ),
            custom_create_values={
                "invoice_ids": [Command.set(invoices.ids)],
                "islebooks_payment_link_id": link.id,
            },
        )
        # Counted once created: refused attempts reach no provider.
        request.env["islebooks.payment.link.throttle"].sudo()._register_hit(
            TX_KEY_PREFIX + client_key(self._client_address()), TX_WINDOW_MINUTES
        )
        # A payment started in another tab (still a draft) is replaced by this one.
        tx_sudo._islebooks_supersede_drafts()
        return tx_sudo._get_processing_values()
