from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.http import content_disposition, request

from odoo.addons.account_payment.controllers.portal import PortalAccount

# Capability URLs must not leak through referrers, caches or search engines.
HARDENING_HEADERS = [
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("Cache-Control", "no-store"),
]


class PaymentLinkController(PortalAccount):
    """Customer-facing pages of payment links: the token is the only credential.

    Every route resolves the token first; only the records the link grants are
    then read with sudo().
    """

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @staticmethod
    def _link_or_none(token):
        return request.env["islebooks.payment.link"]._resolve(token) or None

    @staticmethod
    def _harden(response):
        for header, value in HARDENING_HEADERS:
            response.headers[header] = value
        return response

    def _not_found(self):
        response = request.render("islebooks_payment_links.payment_link_not_found", {})
        response.status_code = 404
        return self._harden(response)

    def _payment_form_values(self, link, invoices, amount):
        """Values for Odoo's ``payment.form``, computed from the link only."""
        invoice = invoices[:1]
        values = self._get_common_page_view_values(
            invoices_data={
                "partner": invoice.partner_id,
                "company": link.company_id,
                "total_amount": amount,
                "currency": invoice.currency_id,
                "amount_residual": amount,
                "landing_route": f"/pay/{link.token}",
                "transaction_route": f"/pay/{link.token}/transaction",
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
    def payment_link_page(self, token, **kwargs):
        link = self._link_or_none(token)
        if not link:
            return self._not_found()
        link._register_view()
        invoice = link.move_id
        blocker = invoice._get_payment_blocker()
        values = {
            "link": link,
            "invoice": invoice,
            "company": link.company_id,
            "blocker": blocker,
            "pdf_url": f"/pay/{token}/pdf",
        }
        if not blocker:
            values.update(self._payment_form_values(link, invoice, invoice.amount_residual))
        return self._harden(
            request.render("islebooks_payment_links.payment_link_invoice_page", values)
        )

    @http.route(
        "/pay/<string:token>/pdf",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,  # its 404 page uses the site's layout like the invoice page
        sitemap=False,
    )
    def payment_link_pdf(self, token, **kwargs):
        link = self._link_or_none(token)
        if not link:
            return self._not_found()
        attachment = link.move_id._get_legal_pdf()
        return self._harden(
            request.make_response(
                attachment.raw,
                headers=[
                    ("Content-Type", "application/pdf"),
                    ("Content-Disposition", content_disposition(attachment.name)),
                ],
            )
        )

    @http.route("/pay/<string:token>/transaction", type="json", auth="public")
    def payment_link_transaction(self, token, csrf_token=None, **kwargs):
        # JSON routes skip Odoo's CSRF check; the payment form sends the token,
        # so enforce it like any other POST.
        if not csrf_token or not request.validate_csrf(csrf_token):
            raise Forbidden()
        link = self._link_or_none(token)
        if not link:
            raise ValidationError(_("This payment link is no longer valid."))
        invoice = link.move_id
        self._validate_transaction_kwargs(
            kwargs, additional_allowed_keys={"access_token", "name_next_installment"}
        )
        return self._create_link_transaction(link, invoice, kwargs)

    def _create_link_transaction(self, link, invoices, kwargs):
        """Create the transaction for ``invoices`` with server-side amounts only."""
        for invoice in invoices:
            if blocker := invoice._get_payment_blocker():
                raise ValidationError(blocker)
        if kwargs.get("flow") not in ("redirect", "direct"):
            raise ValidationError(_("Saved payment methods cannot be used through a payment link."))
        amount = sum(invoices.mapped("amount_residual"))
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
            partner_id=invoices.partner_id[:1].id,
            flow=kwargs["flow"],
            tokenization_requested=False,
            landing_route=f"/pay/{link.token}",
            custom_create_values={"invoice_ids": [Command.set(invoices.ids)]},
        )
        return tx_sudo._get_processing_values()
