from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.http import request

from ..tools.parsing import parse_id
from .portal import PaymentLinkPortalController

FORM_FIELDS = ("amount", "transfer_date", "bank_reference", "note")


class PaymentConfirmationController(PaymentLinkPortalController):
    """Bank-transfer confirmations on every payment link page (invoice or portal)."""

    def _payment_confirmation_values(
        self, link, invoices, form=None, errors=None, received=False, asked=None
    ):
        """Values of ``islebooks_payment_links.payment_confirmation_section``.

        ``invoices`` are the open invoices the page offers
        (``_get_link_open_invoices``), all ticked when they share a currency.
        ``form``/``errors`` re-fill a refused submission; ``received`` shows
        the "pending review" notice; ``asked`` is ``{invoice id: amount}`` of
        what the page computed already (``_get_amounts_asked``). Returns
        ``{"payment_confirmation": {...}}`` to merge into the page's values.
        """
        company = link.company_id
        if not company.payment_confirmation_enabled:
            return {"payment_confirmation": {"enabled": False}}
        Confirmation = request.env["islebooks.payment.confirmation"].sudo()
        open_invoices = invoices.sudo()
        confirmations = Confirmation._get_link_confirmations(link)
        pending = confirmations.filtered(lambda c: c.state == "pending").invoice_ids
        if form is None:
            form = {
                "invoice_ids": open_invoices.ids if len(open_invoices.currency_id) == 1 else [],
                "amount": self._format_amount(open_invoices, asked)
                if len(open_invoices.currency_id) == 1
                else "",
            }
        return {
            "payment_confirmation": {
                "enabled": True,
                "action": link._get_url("/confirm"),
                "bank_accounts": self._payment_confirmation_bank_accounts(company),
                "invoices": open_invoices,
                "pending_invoices": pending,
                "confirmations": confirmations,
                "form": form,
                "errors": errors or {},
                # The day the server's check calls today (the customer's, see _get_link).
                "max_transfer_date": fields.Date.context_today(Confirmation).isoformat(),
                "max_size": company.payment_confirmation_max_size or 5,
                "proof_required": company.payment_confirmation_proof_required,
                "received": received,
            }
        }

    @staticmethod
    def _format_amount(invoices, asked=None):
        currency = invoices.currency_id[:1]
        if not currency:
            return ""
        # What the invoices' pages ask today (payment terms), not the whole balance.
        if not asked or not set(invoices.ids) <= set(asked):
            asked = invoices._get_amounts_asked()
        amount = sum(asked[invoice.id] for invoice in invoices)
        return f"{amount:.{currency.decimal_places}f}"

    @staticmethod
    def _payment_confirmation_bank_accounts(company):
        # Per company and rarely changed: cached (no query on a page view).
        return company._payment_link_bank_accounts(company.id)

    def _invoice_page_values(
        self, link, invoice, confirmation_form=None, confirmation_errors=None, **options
    ):
        values = super()._invoice_page_values(link, invoice, **options)
        # The invoice link's own page only (a portal's invoice page has the portal's form).
        if link.scope == "invoice":
            # What the invoice asks today, as the page computed it (payment terms).
            terms = values.get("terms")
            asked = {invoice.id: terms["amount"]} if terms else None
            values.update(
                self._page_confirmation_values(
                    link, None, confirmation_form, confirmation_errors, asked=asked
                )
            )
        return values

    def _portal_page_values(
        self, link, confirmation_form=None, confirmation_errors=None, **options
    ):
        values = super()._portal_page_values(link, **options)
        # A portal offers the open invoices of the page it shows.
        values.update(
            self._page_confirmation_values(
                link, values["unpaid"].ids, confirmation_form, confirmation_errors
            )
        )
        return values

    def _page_confirmation_values(self, link, page_ids, form=None, errors=None, asked=None):
        """The confirmation values of a page showing ``page_ids`` (None: the
        invoice link's invoice); a refused ``form`` adds the invoices it ticked; ``asked``:
        see ``_payment_confirmation_values``."""
        if not link.company_id.payment_confirmation_enabled:
            return {"payment_confirmation": {"enabled": False}}
        if form is not None and page_ids is not None:
            page_ids = set(page_ids) | set(form["invoice_ids"])
        invoices = request.env["islebooks.payment.confirmation"]._get_link_open_invoices(
            link, page_ids
        )
        received = form is None and request.httprequest.args.get("confirmation") == "received"
        return self._payment_confirmation_values(
            link, invoices, form=form, errors=errors, received=received, asked=asked
        )

    @http.route(
        "/pay/<string:token>/confirm",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
        # A larger body is refused (413) before it is read.
        max_content_length=lambda controller: controller._max_confirmation_size(),
    )
    def payment_link_confirm(self, token, **post):
        # Odoo checks the form's csrf_token before this runs (type="http" POST).
        link = self._get_link(token)
        if not link.company_id.payment_confirmation_enabled:
            raise NotFound()
        Confirmation = request.env["islebooks.payment.confirmation"].sudo()
        # NUL cannot be stored by PostgreSQL: drop it rather than fail with a 500.
        form = {key: (post.get(key) or "")[:2000].replace("\x00", "") for key in FORM_FIELDS}
        form["invoice_ids"] = request.httprequest.form.getlist("invoice_ids")
        values, errors = Confirmation._validate_submission(
            link, form, self._read_proof(link.company_id)
        )
        status = 400
        if not errors and not Confirmation._check_rate_limit(link):
            errors["form"] = _(
                "Too many confirmations were sent from this link. Please try again later."
            )
            status = 429
        if errors:
            form["invoice_ids"] = [i for i in map(parse_id, form["invoice_ids"]) if i]
            return self._render_confirmation_errors(link, form, errors, status)
        Confirmation._create_from_link(link, values["invoices"], values, values.get("proof"))
        return request.redirect(
            link._get_url("?confirmation=received#o_islebooks_confirmation"), code=303
        )

    @staticmethod
    def _max_confirmation_size():
        """Bytes a confirmation may send: the largest proof cap of the
        companies, plus room for the form's fields."""
        sizes = request.env["res.company"].sudo().search([]).mapped("payment_confirmation_max_size")
        return max([size for size in sizes if size > 0] or [5]) * 1024 * 1024 + 64 * 1024

    @staticmethod
    def _read_proof(company):
        """``(filename, bytes, too_large)`` of the uploaded proof, or ``None``.

        Reads one byte past the limit so an oversized upload is never loaded
        whole into memory.
        """
        upload = request.httprequest.files.get("proof")
        if not upload or not upload.filename:
            return None
        limit = (company.payment_confirmation_max_size or 5) * 1024 * 1024
        data = upload.stream.read(limit + 1)
        return upload.filename, data, len(data) > limit

    def _render_confirmation_errors(self, link, form, errors, status):
        """The link's page, once, with the refused form and its errors."""
        return self._render_link_page(
            link, status=status, confirmation_form=form, confirmation_errors=errors
        )
