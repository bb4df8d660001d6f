from werkzeug.exceptions import Forbidden, NotFound, TooManyRequests

from odoo import _, http
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.http import request

from odoo.addons.account.controllers.download_docs import _get_headers
from odoo.addons.account_payment.controllers.portal import PortalAccount
from odoo.addons.payment.controllers.post_processing import PaymentPostProcessing

from ..models.ir_http import use_customer_lang, use_customer_tz
from ..models.islebooks_payment_link_throttle import client_address
from ..tools.errors import FailedLookup


class PaymentLinkController(PortalAccount):
    """Customer-facing pages of payment links: the token is the only credential.

    Every route resolves the token first (``_resolve_link``: a refused
    token raises, and ``ir.http`` answers with the one 404 or 429 page); only
    the records the link grants are then read with sudo(). The values of each
    page are built by a ``_*_page_values`` method that extensions enlarge
    through ``super()``.
    """

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @staticmethod
    def _resolve_link(token, scope=None):
        """The active link (sudo) of ``token``, of ``scope`` if given; else a
        refusal ``ir.http`` answers with the one 404 or 429 page.

        ``TooManyRequests`` (429) when the client address is past the failure
        limit, else ``NotFound`` (404): ``FailedLookup`` for an unknown token,
        counted where it is answered. A valid token is always served, even
        from such an address (customers on a carrier's NAT share addresses
        with guessers); only failed lookups are counted. The lookup comes
        first either way: it is one indexed digest query, the same for every
        token, so the order tells nothing.
        """
        link = request.env["islebooks.payment.link"]._resolve(token)
        if link:
            if scope and link.scope != scope:
                raise NotFound()
            return link
        Throttle = request.env["islebooks.payment.link.throttle"].sudo()
        if retry_after := Throttle._lookup_retry_after():
            raise TooManyRequests(retry_after=retry_after)
        raise FailedLookup()

    @staticmethod
    def _get_granted_move_or_404(link, move_id):
        """The document ``move_id`` (from the request) of ``link`` (sudo), else ``NotFound``."""
        move = link._get_granted_moves([move_id])
        if not move:
            raise NotFound()
        return move

    @classmethod
    def _get_link(cls, token, scope=None):
        """The active link of ``token`` in the customer's language and time zone
        (see ``_resolve_link``, ``_use_customer_tz``)."""
        link = cls._resolve_link(token, scope=scope)
        return cls._use_customer_tz(use_customer_lang(link, link._get_customer_lang()))

    @staticmethod
    def _use_customer_tz(link):
        """``link`` with "today" (due dates, discounts, overdue badges) as its
        customer sees it (``use_customer_tz``), rather than the public user's,
        which Odoo would read (two queries) for it. The page and its payment
        must agree on the day (what a discount asks)."""
        return use_customer_tz(link, link.move_id.partner_id.tz or link.partner_id.tz)

    @staticmethod
    def _link_tx_partner(link, invoices):
        # Several contacts' invoices paid at once: the payer is their company.
        return invoices.partner_id if len(invoices.partner_id) == 1 else link.partner_id

    @staticmethod
    def _safe_landing_route(link, route):
        # The customer returns to a page of the same link, never elsewhere.
        base = link._get_url()
        if isinstance(route, str) and (route == base or route.startswith(base + "/")):
            return route
        return base

    @staticmethod
    def _monitored_tx_id():
        # The browser session's last payment, as Odoo's /payment/status reads it.
        return request.session.get(PaymentPostProcessing.MONITORED_TX_ID_KEY)

    @staticmethod
    def _current_website_id():
        # Providers can be restricted to a website (website_payment): Odoo's
        # invoice page filters them, so do a link's page and the payment it starts.
        if "website" not in request.env:
            return None
        website = getattr(request, "website", None) or request.env["website"].get_current_website()
        return website.id

    @staticmethod
    def _file_response(content, filename, mimetype="application/pdf"):
        return request.make_response(content, headers=_get_headers(filename, mimetype, content))

    def _payment_form_values(
        self, link, invoices, amount, landing_route=None, transaction_route=None, currency=None
    ):
        """Values for Odoo's ``payment.form``, computed from the link only.

        What account_payment's ``_get_common_page_view_values`` gives the form,
        from the same functions of Odoo (compatible providers and payment
        methods, the company check), without what a link never offers: the
        customer's saved cards (whoever holds the link may pay, but never with
        them, and never saves one for them), and without the availability
        report but for the administrators the form shows it to.

        Not a call of Odoo's (inherited here, from ``PortalAccount``): it asks
        ``_get_compatible_providers``/``_get_compatible_payment_methods`` afresh on
        every view (nine queries, memoised by ``_get_payment_link_options``) and
        reads the signed-in visitor's saved cards, which a link never offers.
        """
        company = link.company_id
        # ``currency``: that of a payment of other amounts due alone (no invoice).
        currency = currency or invoices[:1].currency_id
        user = request.env.user
        # As Odoo's portal: a signed-in visitor pays as themselves.
        partner = self._link_tx_partner(link, invoices) if user._is_public() else user.partner_id
        report = {} if user._is_system() else None
        providers_sudo, payment_methods_sudo = request.env[
            "payment.provider"
        ]._get_payment_link_options(
            company, partner, amount, currency, self._current_website_id(), report=report
        )
        return {
            "company_mismatch": not self._can_partner_pay_in_company(partner, company),
            "expected_company": company,
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "currency": currency,
            "partner_id": partner.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            "tokens_sudo": request.env["payment.token"].sudo().browse(),
            "availability_report": report or {},
            "transaction_route": transaction_route or link._get_url("/transaction"),
            "landing_route": landing_route or link._get_url(),
            "access_token": None,
            "payment_reference": False,
            "amount": amount,
            **self._get_extra_payment_form_values(),
        }

    # ------------------------------------------------------------------
    # Page values (extended through super(), e.g. by the confirmation form)
    # ------------------------------------------------------------------

    def _render_link_page(self, link, status=200, **options):
        """The ``/pay/<token>`` page of ``link``. The values functions read the
        page's query arguments themselves; ``options`` come from code only
        (e.g. a refused form and its errors), never from the request."""
        values = self._invoice_page_values(link, link.move_id, **options)
        # A payment page is never indexed: no SEO object for the site's layout
        # to read (it would read the page's view, two queries, for meta tags).
        values.setdefault("main_object", request.env["ir.ui.view"])
        return request.render(
            "islebooks_payment_links.payment_link_invoice_page", values, status=status
        )

    def _invoice_page_values(self, link, invoice, base_route=None, **options):
        """Values of the page of one invoice: on its own link, or inside a portal link."""
        base_route = base_route or link._get_url()
        blocker = invoice._get_payment_blocker()
        values = {
            "link": link,
            "invoice": invoice,
            "company": link.company_id,
            "blocker": blocker,
            # Odoo's cancel resets the invoice and detaches its PDF: no dead button.
            "pdf_url": f"{base_route}/pdf" if invoice._has_legal_pdf() else False,
            # Where its e-invoice (UBL/CII...) is, if one was issued: the page
            # looks (t-cache, per version of the invoice).
            "einvoice_url": f"{base_route}/xml" if invoice.state == "posted" else False,
            "back_url": link._get_url() if link.scope == "portal" else False,
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
                        link._get_url(f"/transaction/{invoice.id}")
                        if link.scope == "portal"
                        else None
                    ),
                )
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
    def payment_link_page(self, token, **kwargs):
        link = self._get_link(token)
        link._register_view()
        return self._render_link_page(link)

    @http.route(
        "/pay/<string:token>/pdf",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,  # its 404 page uses the site's layout
        sitemap=False,
    )
    def payment_link_pdf(self, token, **kwargs):
        link = self._resolve_link(token, scope="invoice")
        attachment = link.move_id._get_legal_pdf()
        if not attachment:
            raise NotFound()
        return self._file_response(attachment.raw, attachment.name)

    @http.route(
        "/pay/<string:token>/xml",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_xml(self, token, **kwargs):
        link = self._resolve_link(token, scope="invoice")
        return self._einvoice_response(link.move_id)

    def _einvoice_response(self, move):
        """The e-invoice XML of ``move`` (granted by the link), else ``NotFound``."""
        document = move._get_einvoice_document()
        if not document:
            raise NotFound()
        return self._file_response(document["content"], document["filename"], "application/xml")

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
        link = self._resolve_link(token)
        tx = link._get_receipt_transaction(tx_id)
        if not tx:
            raise NotFound()
        return self._file_response(*link._render_receipt_pdf(tx))

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
        link = self._use_customer_tz(self._resolve_link(token))
        if not isinstance(csrf_token, str) or not request.validate_csrf(csrf_token):
            raise Forbidden()
        invoices, items = link._get_transaction_moves(selection)
        self._validate_transaction_kwargs(
            kwargs, additional_allowed_keys={"access_token", "name_next_installment"}
        )
        return self._create_link_transaction(link, invoices, kwargs, items=items)

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
        Throttle = request.env["islebooks.payment.link.throttle"].sudo()
        if retry_after := Throttle._lookup_retry_after():
            raise TooManyRequests(retry_after=retry_after)
        # Every request counts: it also caps the emails one address can trigger.
        Throttle._register_failure()
        request.env["islebooks.payment.link"]._request_renewal(token)
        return request.render("islebooks_payment_links.payment_link_renew_requested", {})

    # ------------------------------------------------------------------
    # Payments
    # ------------------------------------------------------------------

    @staticmethod
    def _check_transaction_rate(link):
        """Raise a 429 once the link or the client address started too many
        payments in the last hour (card testing through a forwarded link)."""
        Throttle = request.env["islebooks.payment.link.throttle"].sudo()
        retry_after = max(
            Throttle._retry_after(*Throttle._link_transaction_rule(link)),
            Throttle._retry_after(*Throttle._transaction_rule()),
        )
        if retry_after:
            raise TooManyRequests(retry_after=retry_after)

    def _create_link_transaction(self, link, invoices, kwargs, items=None):
        """Create the transaction for ``invoices`` (and ``items``, other
        amounts due) with server-side amounts only."""
        self._check_transaction_rate(link)
        items = items if items is not None else request.env["account.move.line"].sudo()
        # Row locks until this request commits: a second attempt started at
        # the same moment is refused instead of creating a second payment.
        invoices._lock_for_link_payment()
        items._lock_for_link_payment()
        amount = link._get_transaction_amount(invoices, kwargs.get("amount"), items=items)
        if kwargs.get("flow") not in ("redirect", "direct"):
            raise ValidationError(_("Saved payment methods cannot be used through a payment link."))
        currency = invoices.currency_id or items.currency_id
        form_values = self._payment_form_values(link, invoices, amount, currency=currency)
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
            currency_id=currency.id,
            partner_id=self._link_tx_partner(link, invoices).id,
            flow=kwargs["flow"],
            tokenization_requested=False,
            landing_route=self._safe_landing_route(link, kwargs.get("landing_route")),
            # Several invoices: one batch reference (BATCH/2026/00001) as Odoo's
            # overdue payment does, rather than every invoice name joined.
            reference_prefix=(
                link.company_id.get_next_batch_payment_communication()
                if len(invoices) + len(items) > 1 or items
                else None
            ),
            custom_create_values={
                "invoice_ids": [Command.set(invoices.ids)],
                "islebooks_receivable_line_ids": [Command.set(items.ids)],
                "islebooks_payment_link_id": link.id,
            },
        )
        # Counted once created: refused attempts reach no provider. Per
        # address even if this request rolls back; per link with the payment.
        Throttle = request.env["islebooks.payment.link.throttle"].sudo()
        key, _limit, window = Throttle._transaction_rule(client_address())
        Throttle._hit(key, window)
        key, _limit, window = Throttle._link_transaction_rule(link)
        Throttle._hit(key, window, keep_on_rollback=False)
        # A payment started in another tab (still a draft) is replaced by this one.
        tx_sudo._islebooks_supersede_drafts()
        return tx_sudo._get_processing_values()
