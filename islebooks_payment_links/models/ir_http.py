import json
import re
from urllib.parse import quote

from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge, TooManyRequests

from odoo import _, models
from odoo.exceptions import UserError
from odoo.http import request

from ..tools.errors import FailedLookup

# Capability URLs must not leak through referrers, caches or search engines.
HARDENING_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}
# /pay/... and its language-prefixed forms (/fr/pay/..., /es_AR/pay/...).
PAY_PATH = re.compile(r"^(?:/[A-Za-z]{2,3}(?:[_@-][A-Za-z]+)?)?/pay/")
LANG_COOKIE = "frontend_lang"


def harden(response):
    """Add the hardening headers to ``response`` (any object with ``headers``)."""
    headers = getattr(response, "headers", None)
    if headers is not None:
        for header, value in HARDENING_HEADERS.items():
            headers[header] = value
    return response


def use_customer_lang(record, lang):
    """``record`` in the customer's language ``lang``, which the page then uses.

    Only when the visitor chose no language (no language in the URL, no
    language cookie) and ``lang`` is one of the site's languages; the cookie
    keeps the choice for the next pages.
    """
    if (
        getattr(request, "payment_link_lang_chosen", True)
        or not lang
        or lang == request.env.lang
        or lang not in request.env["res.lang"]._get_frontend()
    ):
        return record
    request.lang = request.env["res.lang"]._get_data(code=lang)
    request.update_context(lang=lang)
    headers = request.future_response.headers
    cookies = [c for c in headers.getlist("Set-Cookie") if not c.startswith(f"{LANG_COOKIE}=")]
    headers.setlist("Set-Cookie", cookies)
    request.future_response.set_cookie(LANG_COOKIE, lang)
    return record.with_context(lang=lang)


def use_customer_tz(record, tz):
    """``record`` in the customer's time zone ``tz``: the day its pages call
    today (overdue badges, statement dates) is the customer's, on every page
    of the request, rather than the server's. Only when the visitor's own is
    unknown (Odoo's website takes it from the visitor's address, geoip)."""
    if request.context.get("tz") or not tz:
        return record
    request.update_context(tz=tz)
    return record.with_context(tz=tz)


def is_payment_link_request():
    return bool(request and PAY_PATH.match(request.httprequest.path or ""))


def renew_action():
    """Where the not-found page's form posts: the same for every token."""
    path = request.httprequest.path.rstrip("/")
    token = path.split("/pay/", 1)[1].split("/", 1)[0] if "/pay/" in path else ""
    return f"/pay/{quote(token, safe='')}/renew" if token else ""


def retry_minutes(exception):
    """The whole minutes a ``TooManyRequests`` asks to wait (at least one)."""
    retry_after = getattr(exception, "retry_after", None)
    seconds = int(retry_after) if isinstance(retry_after, int | float) else 60
    return max(1, -(-seconds // 60))


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    # One place for every answer under /pay/: pages, PDFs, JSON, and also the
    # error pages Odoo renders itself (404 of an unknown sub-path, 500, ...).

    @classmethod
    def _match(cls, path):
        # Only here is the language prefix of the URL still visible: Odoo
        # strips /fr off /fr/pay/... while matching.
        if not hasattr(request, "is_frontend") and PAY_PATH.match(path or ""):
            request.payment_link_lang_chosen = (
                not path.startswith("/pay/") or LANG_COOKIE in request.httprequest.cookies
            )
        try:
            return super()._match(path)
        except HTTPException as exc:
            # Language redirects (/fr_FR/pay/... -> /fr/pay/...) are aborted
            # here, before any dispatching: harden them on the way out.
            if exc.response is not None and is_payment_link_request():
                harden(exc.response)
            raise

    @classmethod
    def _post_dispatch(cls, response):
        result = super()._post_dispatch(response)
        if is_payment_link_request():
            harden(response)
        return result

    @classmethod
    def _register_website_track(cls, response):
        # (website) A /pay/ URL holds a credential: never a visitor's tracked
        # page, and no read of the page's view to find out.
        if is_payment_link_request():
            return False
        return super()._register_website_track(response)

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # A token is URL-safe base64: one holding "%" is none, and Odoo's
        # canonical-URL check of GET requests (which unquotes twice) would
        # redirect it to itself forever.
        if (
            is_payment_link_request()
            and request.httprequest.method in ("GET", "HEAD")
            and "%" in str(args.get("token", ""))
        ):
            raise NotFound()
        try:
            return super()._pre_dispatch(rule, args)
        except HTTPException as exc:
            # E.g. Odoo's canonical-URL redirect (/invoice/\u0663 -> /invoice/3).
            if exc.response is not None and is_payment_link_request():
                harden(exc.response)
            raise

    @classmethod
    def _serve_fallback(cls):
        # A /pay/ path no route matched is a 404; Odoo's fallbacks (attachments,
        # website pages) would query with the path as typed, NUL bytes and all.
        if is_payment_link_request() and "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()

    @classmethod
    def _handle_error(cls, exception):
        if is_payment_link_request() and isinstance(exception, RequestEntityTooLarge):
            # Odoo's frontend error page would read the oversized body again.
            return harden(
                request.make_response(
                    _("This request is too large."),
                    headers=[("Content-Type", "text/plain; charset=utf-8")],
                    status=413,
                )
            )
        if isinstance(exception, FailedLookup):
            cls._count_failed_lookup()
        response = super()._handle_error(exception)
        if is_payment_link_request():
            if request.dispatcher.routing_type == "json":
                strip_json_error(response, exception)
                if isinstance(exception, NotFound | TooManyRequests):
                    cls._set_json_refusal(response, exception)
            if isinstance(exception, TooManyRequests) and exception.retry_after:
                response.headers["Retry-After"] = str(int(exception.retry_after))
            harden(response)
        return response

    @classmethod
    def _count_failed_lookup(cls):
        """Count a failed token lookup of the client address.

        The request's own work is rolled back first (it is an error answer
        anyway), so that the count, committed at once by the throttle, is
        kept whatever the request's transaction then does.
        """
        Throttle = request.env["islebooks.payment.link.throttle"].sudo()
        key, _limit, window = Throttle._lookup_rule()
        request.env.cr.rollback()
        Throttle._hit(key, window)

    @classmethod
    def _get_error_html(cls, env, code, values):
        # The 404 and 429 pages of /pay/: every way a link is refused (unknown
        # token, throttled address, a document it does not grant, an unknown
        # sub-path) looks the same, with the form asking for a fresh link.
        if is_payment_link_request():
            if code in (404, "page_404"):
                html = env["ir.ui.view"]._render_template(
                    "islebooks_payment_links.payment_link_not_found",
                    {**values, "renew_action": renew_action()},
                )
                return 404, html
            if code == 429:
                html = env["ir.ui.view"]._render_template(
                    "islebooks_payment_links.payment_link_too_many_requests",
                    {**values, "minutes": retry_minutes(values.get("exception"))},
                )
                return 429, html
        return super()._get_error_html(env, code, values)

    @classmethod
    def _set_json_refusal(cls, response, exception):
        """The JSON-RPC error of a refused link: its real HTTP status and a
        message the payment form shows as is."""
        if isinstance(exception, TooManyRequests):
            message = _(
                "Too many attempts. Please try again in %s minutes.", retry_minutes(exception)
            )
        else:
            message = _("This payment link is no longer valid.")
        try:
            payload = json.loads(response.get_data())
        except (AttributeError, ValueError):
            return
        error = payload.get("error") or {}
        error.update(code=exception.code, message=message)
        if isinstance(error.get("data"), dict):
            error["data"].update(message=message, arguments=[message])
        response.set_data(json.dumps(payload))
        response.status_code = exception.code


def strip_json_error(response, exception):
    """Remove Odoo's traceback (``debug``) from a JSON-RPC error answer.

    The callers of /pay/ routes are anonymous: they get the message of a
    business error (UserError, ValidationError, HTTP errors), and nothing but
    "Odoo Server Error" for anything else.
    """
    try:
        payload = json.loads(response.get_data())
    except (AttributeError, ValueError):
        return
    data = (payload.get("error") or {}).get("data")
    if not isinstance(data, dict):
        return
    data["debug"] = ""
    if not isinstance(exception, UserError | HTTPException):
        message = "Odoo Server Error"
        data.update(name="Exception", message=message, arguments=[message], context={})
    response.set_data(json.dumps(payload))
