"""The attack matrix: every (link kind x target) against every route of the addon.

The cells are generated from three tables, never hand-picked:

- ``KINDS``: the scopes a link can have (``invoice``, ``portal``);
- ``TARGETS``: what the attacker aims at, each a function building a ``Case``
  (the token sent, the invoice the request names, what that token grants);
- ``ROUTES``: every route of the addon, each a ``Route`` row with the request
  it sends and an ``expect(case)`` function giving the exact answer.

One subTest per cell checks the status (and, for JSON, result or error) and
that the body holds no data the token does not grant: other customers' names,
other invoices' numbers and amounts (and, on a refusal, nobody's data at all).

Adding a route (e.g. the Customer Portal's per-invoice page, PDF, ZIP or
multi-invoice pay) is one row in ``ROUTES``::

    Route("portal zip", "GET", "/pay/{token}/zip", expect=expect_portal_zip)

where ``expect_portal_zip(case)`` returns ``Expected(status, kind)`` from the
case's fields (``case.dead``, ``case.scope``, ``case.ref``, ``case.ref_open``,
``case.ref_granted``...). Routes whose path needs an invoice id take it from
``{invoice_id}`` (the invoice the case names). A binary answer (ZIP) needs its
own ``kind`` check in ``_check_cell`` next to the PDF one. When the Customer
Portal serves ``/pay/<portal token>``, set ``PAGE_SCOPES`` to both scopes (the
page then answers 200 and a refused confirmation 400 for portal links too).
``test_matrix_covers_every_route`` fails when the routing map holds a ``/pay/``
route that has no row here, so a new route cannot stay out of the matrix.
"""

import io
import logging
import re
import zipfile
from collections import namedtuple
from datetime import timedelta
from urllib.parse import quote, urlencode

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentLinksHttpCommon, age_throttle

_logger = logging.getLogger(__name__)

HARDENING = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}
# Scopes the /pay/<token> page serves: an invoice's page or the Customer Portal;
# the confirmation form re-renders that page on a refusal.
PAGE_SCOPES = ("invoice", "portal")
# Scopes /pay/<token>/pdf and /pay/<token>/transaction serve: one invoice's link only.
INVOICE_ROUTE_SCOPES = ("invoice",)

_CaseFields = namedtuple(
    "_CaseFields",
    [
        "kind",  # the link kind of the matrix row
        "target",  # the target of the matrix column
        "token",  # the token sent
        "scope",  # scope of the live link behind the token, None when dead/unknown
        "ref",  # the invoice the request names (body, query, path)
        "ref_granted",  # the token grants ``ref`` (its own invoice / customer's)
        "ref_open",  # ``ref`` is a posted customer invoice with something due
        "granted",  # account.move records the answer may show
    ],
)


class Case(_CaseFields):
    @property
    def dead(self):
        """The token opens nothing (unknown, revoked, expired, forced on a bill)."""
        return self.scope is None


# kind: html, pdf (the invoice's legal PDF), zip, statement (PDF), result, error, redirect
Expected = namedtuple("Expected", ["status", "kind"])


# ----------------------------------------------------------------------
# Expectations, one function per route
# ----------------------------------------------------------------------


def _not_found(case, route):
    return Expected(404, "error" if route.method == "JSON" else "html")


def expect_page(case):
    if case.dead or case.scope not in PAGE_SCOPES:
        return Expected(404, "html")
    return Expected(200, "html")


def expect_pdf(case):
    if case.dead or case.scope not in INVOICE_ROUTE_SCOPES:
        return Expected(404, "html")
    invoice = case.granted.sudo()
    if invoice.state != "posted" and not invoice.invoice_pdf_report_id:
        return Expected(404, "html")  # never printed: no legal PDF to give
    return Expected(200, "pdf")


def expect_transaction(case):
    if case.dead:
        return Expected(404, "error")
    if case.scope not in INVOICE_ROUTE_SCOPES:
        # A portal link names no invoice on this route: refused, nothing created.
        return Expected(200, "error")
    # A request naming another invoice is refused; else the link's own invoice
    # is paid only when it is open.
    if case.ref_granted and case.ref_open:
        return Expected(200, "result")
    return Expected(200, "error")


def expect_confirm(case):
    if case.dead:
        return Expected(404, "html")
    if case.ref_granted and case.ref_open:
        return Expected(303, "redirect")
    # The refusal re-renders the link's page with the errors.
    return Expected(400, "html") if case.scope in PAGE_SCOPES else Expected(404, "html")


def portal_grants_ref(case):
    """A portal link names one of its own customer's posted invoices in its company.

    ``ref_granted`` only says the invoice is the customer's: a portal link
    never opens a draft or a cancelled invoice (nor a bill, another company's
    or another customer's document).
    """
    return (
        case.scope == "portal"
        and case.ref_granted
        and case.ref.sudo().state == "posted"
        and case.ref.sudo().move_type in ("out_invoice", "out_refund")
    )


def expect_portal_invoice(case):
    # An invoice link never opens the portal routes: only its own /pay/<token>.
    return Expected(200, "html") if portal_grants_ref(case) else Expected(404, "html")


def expect_portal_invoice_pdf(case):
    return Expected(200, "pdf") if portal_grants_ref(case) else Expected(404, "html")


def expect_portal_zip(case):
    return Expected(200, "zip") if portal_grants_ref(case) else Expected(404, "html")


def expect_portal_checkout(case):
    if not portal_grants_ref(case):
        return Expected(404, "html")
    # A granted invoice with nothing due (paid) re-renders the portal page with
    # the reason, without a payment form.
    return Expected(200, "html") if case.ref_open else Expected(400, "html")


def expect_portal_statement(case):
    if case.dead or case.scope != "portal":
        return Expected(404, "html")
    return Expected(200, "statement")


def expect_portal_transaction(case):
    """``/pay/<token>/transaction/<selection>`` with the named invoice as selection."""
    if case.dead:
        return Expected(404, "error")
    if case.scope == "portal":
        if portal_grants_ref(case) and case.ref_open:
            return Expected(200, "result")
        return Expected(200, "error")
    # An invoice link pays its own invoice only; any other selection is refused.
    return expect_transaction(case)


def expect_receipt(case):
    # No payment was made through any link of the matrix: whatever the token,
    # an id of the request opens no receipt (the paying link's own receipt is
    # in test_receipts.py).
    return Expected(404, "html")


def expect_xml(case):
    # No invoice of the matrix is e-invoiced (none has an e-invoice format):
    # whatever the token, there is no XML to give. The granted XML, and the
    # refusals of a foreign, cancelled or draft invoice that has one, are in
    # test_portal_http.py (test_einvoice_xml_in_downloads).
    return Expected(404, "html")


def expect_renew(case):
    # The same answer for any token, live, dead or unknown.
    return Expected(200, "html")


Route = namedtuple("Route", ["name", "method", "path", "expect"])

ROUTES = (
    Route("page", "GET", "/pay/{token}", expect_page),
    Route("pdf", "GET", "/pay/{token}/pdf", expect_pdf),
    Route("e-invoice xml", "GET", "/pay/{token}/xml", expect_xml),
    Route("transaction", "JSON", "/pay/{token}/transaction", expect_transaction),
    Route("confirm", "POST", "/pay/{token}/confirm", expect_confirm),
    Route("renew", "POST", "/pay/{token}/renew", expect_renew),
    # Customer Portal (portal links); invoice links are refused on all of them.
    Route("portal invoice", "GET", "/pay/{token}/invoice/{invoice_id}", expect_portal_invoice),
    Route(
        "portal invoice pdf",
        "GET",
        "/pay/{token}/invoice/{invoice_id}/pdf",
        expect_portal_invoice_pdf,
    ),
    Route(
        "portal invoice xml",
        "GET",
        "/pay/{token}/invoice/{invoice_id}/xml",
        expect_xml,
    ),
    Route("portal zip", "GET", "/pay/{token}/zip", expect_portal_zip),
    Route("portal checkout", "GET", "/pay/{token}/checkout", expect_portal_checkout),
    Route("portal statement", "GET", "/pay/{token}/statement", expect_portal_statement),
    Route(
        "portal transaction",
        "JSON",
        "/pay/{token}/transaction/{selection}",
        expect_portal_transaction,
    ),
    Route("receipt", "GET", "/pay/{token}/receipt/{tx_id}", expect_receipt),
)

KINDS = ("invoice", "portal")
TARGETS = (
    "own invoice",
    "other customer's invoice",
    "other company's invoice",
    "vendor bill",
    "draft",
    "cancelled",
    "paid",
    "revoked link",
    "expired link",
    "token one character changed",
    "token of the other kind",
)


class PaymentLinkMatrixCommon(PaymentLinksHttpCommon):
    """Two companies, a shared customer, a rival customer, links of both kinds."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_a.write(
            {
                "payment_confirmation_enabled": True,
                "payment_confirmation_proof_required": False,
            }
        )
        cls.company_data_2 = cls.setup_other_company(name="Rival Holdings Co")
        cls.company_b = cls.company_data_2["company"]
        # Distinct numbers in B (B's INV/... would equal A's otherwise).
        cls.company_data_2["default_journal_sale"].code = "RIV"
        cls.customer.name = "Coral Reef Diving Ltd"  # partner_a: no company, shared
        cls.rival = cls.partner_b
        cls.rival.name = "Zephyr Rival Trading"
        Link = cls.env["islebooks.payment.link"]

        cls.own = cls._create_invoice(amount=111.11)
        # Foreign amounts are no multiple of 111.11: the statement's running
        # balance (sums of the customer's amounts) can never equal one by chance.
        cls.rival_invoice = cls._create_invoice(partner=cls.rival, amount=234.56)
        cls.b_invoice = cls._create_invoice(company=cls.company_b, amount=345.67)
        cls.bill = cls._create_invoice(amount=456.78, move_type="in_invoice")
        cls.draft = cls._create_invoice(amount=555.55)
        cls.cancelled = cls._create_invoice(amount=666.66)
        cls.paid = cls._create_invoice(amount=777.77)
        cls.revoked = cls._create_invoice(amount=888.88)
        cls.expired = cls._create_invoice(amount=999.99)
        links = (
            cls.own | cls.draft | cls.cancelled | cls.paid | cls.revoked | cls.expired
        )._get_payment_links()
        cls.own_link, cls.draft_link, cls.cancelled_link, cls.paid_link = links[:4]
        cls.revoked_link, cls.expired_link = links[4:]
        # A link on a vendor bill cannot be made from the UI; one forced into
        # the table must not open it either.
        cls.bill_link = Link._get_or_create("invoice", cls.bill)
        cls.draft.button_draft()
        cls.cancelled.button_draft()
        cls.cancelled.button_cancel()
        cls._pay_in_full(cls.paid)
        cls.revoked_link.action_revoke()
        cls.expired_link.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        cls.portal_link = Link.with_company(cls.company_a)._get_or_create("portal", cls.customer)
        cls.revoked_portal = Link.with_company(cls.company_a)._get_or_create("portal", cls.rival)
        cls.revoked_portal.action_revoke()
        cls.expired_portal = Link.with_company(cls.company_b)._get_or_create("portal", cls.customer)
        cls.expired_portal.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        # Nothing the customer holds grants these: they must never show.
        cls.foreign = cls.rival_invoice | cls.b_invoice | cls.bill

    def setUp(self):
        super().setUp()
        # The matrix sends many refused tokens from one address: raise the
        # throttle's limit (its own tests are in test_security.py).
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("islebooks_payment_links.throttle_max_failures", 100000)
        # And many payments per link and address (their limits: test_security_abuse.py).
        params.set_param("islebooks_payment_links.transactions_per_link_per_hour", 100000)
        params.set_param("islebooks_payment_links.transactions_per_address_per_hour", 100000)

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------

    def _tx_params(self, csrf_token, **extra):
        params = self._pay_params(1.0, landing_route="/evil", csrf_token=csrf_token)
        return {**params, **extra}

    def _confirm_data(self, csrf_token, invoice, **overrides):
        data = {
            "invoice_ids": [str(invoice.id)],
            "amount": "1.00",
            "transfer_date": fields.Date.to_string(fields.Date.today()),
            "bank_reference": "TRF-42",
            "note": "Paid",
        }
        if csrf_token is not None:
            data["csrf_token"] = csrf_token
        data.update(overrides)
        return data

    def _send(self, method, path, csrf_token, invoice, json_extra=None, form=None):
        if method == "GET":
            # The invoice is named both ways the routes read it (one id, a selection).
            return self.url_open(
                f"{path}?invoice_id={invoice.id}&invoice_ids={invoice.id}", allow_redirects=False
            )
        if method == "JSON":
            return self._jsonrpc(path, self._tx_params(csrf_token, **(json_extra or {})))
        data = form if form is not None else self._confirm_data(csrf_token, invoice)
        return self.url_open(path, data=data, allow_redirects=False)

    # ------------------------------------------------------------------
    # Cases
    # ------------------------------------------------------------------

    def _case(self, kind, target):
        """The ``Case`` of one (kind, target) pair: which token is sent, which
        invoice the request names (``invoice_id``, ``invoice_ids``) and what the
        token really grants."""
        own_link = self.own_link if kind == "invoice" else self.portal_link
        granted_own = self.own if kind == "invoice" else self._portal_invoices()
        live = {
            "own invoice": (own_link, self.own, True, True),
            "other customer's invoice": (own_link, self.rival_invoice, False, True),
            "other company's invoice": (own_link, self.b_invoice, False, True),
            "vendor bill": (
                self.bill_link if kind == "invoice" else self.portal_link,
                self.bill,
                False,
                False,
            ),
            "draft": (self._kind_link(kind, self.draft_link), self.draft, True, False),
            "cancelled": (
                self._kind_link(kind, self.cancelled_link),
                self.cancelled,
                True,
                False,
            ),
            "paid": (self._kind_link(kind, self.paid_link), self.paid, True, False),
        }
        dead = {
            "revoked link": self.revoked_link if kind == "invoice" else self.revoked_portal,
            "expired link": self.expired_link if kind == "invoice" else self.expired_portal,
            "token one character changed": None,
        }
        if target in dead:
            link = dead[target]
            token = link.token if link else self._tamper(own_link.token)
            return Case(kind, target, token, None, self.own, False, True, self.own.browse())
        if target == "token of the other kind":
            other = self.portal_link if kind == "invoice" else self.own_link
            granted = self.own if other.scope == "invoice" else self._portal_invoices()
            return Case(kind, target, other.token, other.scope, self.own, True, True, granted)
        link, ref, ref_granted, ref_open = live[target]
        if target == "vendor bill" and kind == "invoice":
            # The forced link on a bill resolves to nothing.
            return Case(kind, target, link.token, None, ref, False, False, ref.browse())
        granted = link.move_id if link.scope == "invoice" else granted_own
        return Case(kind, target, link.token, link.scope, ref, ref_granted, ref_open, granted)

    def _kind_link(self, kind, invoice_link):
        """The invoice's own link, or the customer's portal link, naming that invoice."""
        return invoice_link if kind == "invoice" else self.portal_link

    def _portal_invoices(self):
        """What a portal link may show: its customer's posted documents in its
        company (never a draft or a cancelled invoice, though the customer's)."""
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.customer.id),
                ("company_id", "=", self.company_a.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
            ]
        )


@tagged("post_install", "-at_install")
class TestPaymentLinkAttackMatrix(PaymentLinkMatrixCommon):
    def _forbidden_strings(self, case, expected):
        """Data the answer must not hold: everything the token does not grant."""
        everything = self.own | self.foreign | self.draft | self.cancelled | self.paid
        everything = (everything | self.revoked | self.expired).sudo()
        hidden = everything - case.granted if expected.status in (200, 400, 303) else everything
        strings = set()
        for move in hidden:
            strings.add(move.name)
            strings.add(f"{move.amount_total:,.2f}")
        strings.add(self.rival.name)
        strings.add(self.company_b.name)
        if expected.status == 404 or not case.granted:
            strings.add(self.customer.name)
        return {s for s in strings if s and s != "/"}

    def _check_cell(self, case, route, csrf_token):
        expected = route.expect(case)
        path = route.path.format(
            token=case.token, invoice_id=case.ref.id, selection=case.ref.id, tx_id=case.ref.id
        )
        # The document(s) a granted answer is about: an invoice link's own
        # invoice, the invoice a portal link names.
        served = case.ref if case.scope == "portal" else case.granted
        json_extra = {}
        if case.ref and case.ref not in case.granted:
            # The attacker names the other invoice in the payment request.
            json_extra = {"invoice_id": case.ref.id}
        if route.expect is expect_portal_transaction:
            # A portal link's form sends the amount to pay (a partial payment
            # when allowed): send what the checkout page shows for the named
            # invoice; a tampered amount is refused (test_portal_http.py).
            json_extra["amount"] = case.ref.sudo().amount_residual
        tx_before = self.env["payment.transaction"].search_count([])
        response = self._send(route.method, path, csrf_token, case.ref, json_extra=json_extra)
        self.assertEqual(response.status_code, expected.status, response.text[:300])
        # Binary answers are checked too: the PDFs (HTML under test) as text,
        # the ZIP's file names and contents.
        body = response.content.decode(errors="replace")
        if expected.kind == "pdf":
            served.invalidate_recordset()
            self.assertEqual(response.headers["Content-Type"], "application/pdf")
            self.assertEqual(response.content, served.invoice_pdf_report_id.raw)
        elif expected.kind == "zip":
            served.invalidate_recordset()
            self.assertEqual(response.headers["Content-Type"], "application/zip")
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                names = archive.namelist()
                contents = [archive.read(name) for name in names]
            self.assertEqual(contents, [served.invoice_pdf_report_id.raw])
            body = "\n".join(names + [c.decode(errors="replace") for c in contents])
        elif expected.kind == "statement":
            self.assertEqual(response.headers["Content-Type"], "application/pdf")
            self.assertIn("attachment", response.headers["Content-Disposition"])
            self.assertIn(self.customer.name, body)
        elif expected.kind in ("result", "error"):
            answer = response.json()
            self.assertIn(expected.kind, answer, answer)
            if expected.kind == "result":
                tx = self.env["payment.transaction"].search(
                    [("reference", "=", answer["result"]["reference"])]
                )
                self.assertEqual(tx.invoice_ids, served)
                self.assertEqual(tx.amount, served.amount_residual)
            else:
                self.assertEqual(self.env["payment.transaction"].search_count([]), tx_before)
        elif expected.kind == "redirect":
            self.assertEqual(
                response.headers["Location"].split("?")[0].rsplit("/pay/", 1)[1], case.token
            )
        for secret in self._forbidden_strings(case, expected):
            self.assertNotIn(secret, body, f"{secret!r} leaked")

    def test_matrix(self):
        csrf_token = self._csrf()
        cells = [(kind, target, route) for kind in KINDS for target in TARGETS for route in ROUTES]
        # The size, counted from the three tables, is part of the test report.
        _logger.info(
            "payment link attack matrix: %s kinds x %s targets x %s routes = %s cells",
            len(KINDS),
            len(TARGETS),
            len(ROUTES),
            len(cells),
        )
        for kind, target, route in cells:
            case = self._case(kind, target)
            with self.subTest(kind=kind, target=target, route=route.name):
                self._check_cell(case, route, csrf_token)

    def test_matrix_covers_every_route(self):
        """A /pay/ route without a row in ROUTES fails here."""
        rules = {
            re.sub(r"<(?:[^>:]+:)?(\w+)>", r"{\1}", rule.rule)
            for rule in self.env["ir.http"].routing_map().iter_rules()
            if rule.rule.startswith("/pay/")
        }
        self.assertEqual(rules, {route.path for route in ROUTES})


def pay_rules(env):
    """Every route of the routing map under /pay/ (the addon's and any added later)."""
    return [rule for rule in env["ir.http"].routing_map().iter_rules() if rule.rule[:5] == "/pay/"]


def accepts_post(rule):
    return rule.endpoint.routing["type"] == "json" or (
        rule.methods is None or "POST" in rule.methods
    )


PAYLOADS = (
    '<script>alert("xss")</script>',
    "\"'><img src=x onerror=alert(1)>",
    "1' OR '1'='1'; DROP TABLE account_move; --",
    "1); SELECT pg_sleep(5); --",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "..%2F..%2Fetc%2Fpasswd",
    "nul\x00byte",
    "\u202egnp.exe",
)
RAW_MARKUP = ("<script>alert", "<img src=x", "onerror=alert(1)>")


class PaymentLinkRouteCommon(PaymentLinkMatrixCommon):
    def _fill(self, rule, token, invoice=None):
        """The rule's path with the token and, where asked, the invoice id."""
        values = {
            "token": token,
            "invoice_id": str((invoice or self.own).id),
            "tx_id": str((invoice or self.own).id),
        }
        return re.sub(r"<(?:[^>:]+:)?(\w+)>", lambda m: values.get(m.group(1), token), rule.rule)

    def _request(self, rule, path, csrf_token, form=None):
        """The request a client sends to ``rule``: GET where allowed, else a POST."""
        if rule.endpoint.routing["type"] == "json":
            return self._send("JSON", path, csrf_token, self.own)
        if rule.methods is None or "GET" in rule.methods:
            return self._send("GET", path, csrf_token, self.own)
        return self._send("POST", path, csrf_token, self.own, form=form)


@tagged("post_install", "-at_install")
class TestPaymentLinkEveryRoute(PaymentLinkRouteCommon):
    def test_csrf_on_every_post(self):
        posts = [rule for rule in pay_rules(self.env) if accepts_post(rule)]
        self.assertGreaterEqual(
            {rule.rule for rule in posts},
            {
                "/pay/<string:token>/transaction",
                "/pay/<string:token>/confirm",
                "/pay/<string:token>/renew",
            },
        )
        self.expired_link.sudo().renewal_requested_at = False
        Confirmation = self.env["islebooks.payment.confirmation"].sudo()
        for rule in posts:
            for token in (self.own_link.token, self.expired_link.token):
                for csrf_token in (None, "forged", "0" * 40 + "o9999999999"):
                    with self.subTest(route=rule.rule, token=token[:4], csrf=csrf_token):
                        counts = (
                            self.env["payment.transaction"].search_count([]),
                            Confirmation.search_count([]),
                            self.env["mail.mail"].search_count([]),
                        )
                        path = self._fill(rule, token)
                        if rule.endpoint.routing["type"] == "json":
                            response = self._send("JSON", path, csrf_token, self.own)
                            answer = response.json()
                            self.assertNotIn("result", answer)
                            if token == self.own_link.token:
                                self.assertEqual(
                                    answer["error"]["data"]["name"],
                                    "werkzeug.exceptions.Forbidden",
                                )
                        else:
                            with mute_logger("odoo.http"):
                                response = self._send("POST", path, csrf_token, self.own)
                            self.assertEqual(response.status_code, 400)
                        self.assertEqual(
                            counts,
                            (
                                self.env["payment.transaction"].search_count([]),
                                Confirmation.search_count([]),
                                self.env["mail.mail"].search_count([]),
                            ),
                        )

    def test_headers_on_every_route(self):
        rules = pay_rules(self.env)
        self.assertEqual(len(rules), len(ROUTES))
        csrf_token = self._csrf()
        for rule in rules:
            for name, token in (
                ("valid", self.own_link.token),
                ("unknown", "A" * 43),
                ("tampered", self._tamper(self.own_link.token)),
                ("revoked", self.revoked_link.token),
            ):
                with self.subTest(route=rule.rule, token=name):
                    response = self._request(rule, self._fill(rule, token), csrf_token)
                    self.assertLess(response.status_code, 500)
                    for header, value in HARDENING.items():
                        self.assertEqual(response.headers.get(header), value, header)
                    if response.status_code in (200, 400, 404) and "text/html" in (
                        response.headers.get("Content-Type", "")
                    ):
                        self.assertIn(
                            '<meta name="robots" content="noindex, nofollow"', response.text
                        )

    def assertSafe(self, response, expected_statuses):
        self.assertIn(response.status_code, expected_statuses, response.text[-300:])
        for markup in RAW_MARKUP:
            self.assertNotIn(markup, response.text)
        for header, value in HARDENING.items():
            self.assertEqual(response.headers.get(header), value, header)

    def test_payloads_in_every_confirmation_field(self):
        csrf_token = self._csrf()
        Confirmation = self.env["islebooks.payment.confirmation"].sudo()
        for field in ("bank_reference", "note", "amount", "transfer_date", "invoice_ids"):
            for payload in PAYLOADS:
                with self.subTest(field=field, payload=payload):
                    before = Confirmation.search_count([])
                    data = self._confirm_data(csrf_token, self.own, **{field: payload})
                    response = self.url_open(
                        f"/pay/{self.own_link.token}/confirm", data=data, allow_redirects=False
                    )
                    # Free text is accepted (303) and stored as typed; anything
                    # else is refused with the form re-filled (400).
                    self.assertSafe(response, (303, 400))
                    created = Confirmation.search([], order="id desc", limit=1)
                    if response.status_code == 303:
                        self.assertIn(field, ("bank_reference", "note"))
                        stored = (
                            created.bank_reference if field == "bank_reference" else (created.note)
                        )
                        self.assertEqual(stored, payload.replace("\x00", "").strip())
                        # Shown back on the page, escaped.
                        self.assertSafe(self.url_open(f"/pay/{self.own_link.token}"), (200,))
                    else:
                        self.assertEqual(Confirmation.search_count([]), before)
                        if payload == PAYLOADS[0] and field != "invoice_ids":
                            self.assertIn("&lt;script&gt;", response.text)
                    # Never more than the rate limit lets through in one run:
                    # the link's confirmations and their counter start again.
                    Confirmation.search([]).unlink()
                    age_throttle(self.env, 61, f"confirm-link:{self.own_link.id}")

    def test_payloads_in_the_renew_form_and_url_parts(self):
        csrf_token = self._csrf()
        token = self.own_link.token
        for payload in PAYLOADS:
            quoted = quote(payload, safe="")
            with self.subTest(payload=payload):
                self.assertSafe(self.url_open(f"/pay/{quoted}"), (404,))
                self.assertSafe(self.url_open(f"/pay/{quoted}/pdf"), (404,))
                self.assertSafe(self.url_open(f"/pay/{token}/{quoted}"), (404,))
                self.assertSafe(self.url_open(f"/pay/{token}?invoice_id={quoted}"), (200,))
                self.assertSafe(self.url_open(f"/pay/{token}/pdf?x={quoted}"), (200,))
                self.assertSafe(
                    self.url_open(
                        f"/pay/{quoted}/renew",
                        data={"csrf_token": csrf_token, "email": payload, "token": payload},
                    ),
                    # 404 where the payload holds a "/" (werkzeug decodes %2F).
                    (200, 404) if "/" in payload else (200,),
                )
                self.assertSafe(
                    self._send("JSON", f"/pay/{quoted}/transaction", csrf_token, self.own),
                    (404,),
                )
                response = self._send(
                    "JSON",
                    f"/pay/{token}/transaction",
                    csrf_token,
                    self.own,
                    json_extra={"flow": payload, "provider_id": payload},
                )
                self.assertSafe(response, (200,))
                self.assertIn("error", response.json())
        self.assertFalse(self.own.transaction_ids)

    def test_payloads_in_portal_routes(self):
        """Hostile ids, selections, amounts and dates on the Customer Portal routes:
        refused or re-asked, never a 500, never another customer's document."""
        csrf_token = self._csrf()
        token = self.portal_link.token
        own, rival = self.own.id, self.rival_invoice.id
        huge = "9" * 30
        for payload in (*PAYLOADS, huge, "-1", "0", f"{own},{rival}", f"{own}-{rival}"):
            quoted = quote(payload, safe="")
            with self.subTest(payload=payload):
                self.assertSafe(self.url_open(f"/pay/{token}?page={quoted}&sort={quoted}"), (200,))
                self.assertSafe(self.url_open(f"/pay/{token}/zip?invoice_ids={quoted}"), (404,))
                # No granted invoice named: the portal page asks to select one.
                self.assertSafe(
                    self.url_open(f"/pay/{token}/checkout?invoice_ids={quoted}"), (400, 404)
                )
                self.assertSafe(
                    self.url_open(f"/pay/{token}/checkout?invoice_ids={own}&amount={quoted}"),
                    (200,),
                )
                self.assertSafe(
                    self.url_open(f"/pay/{token}/statement?date_from={quoted}"), (200, 400)
                )
                answer = self._send(
                    "JSON", f"/pay/{token}/transaction/{quoted}", csrf_token, self.own
                )
                # 404 where the payload holds a "/" (werkzeug decodes %2F).
                self.assertSafe(answer, (200, 404) if "/" in payload else (200,))
                if answer.status_code == 200:
                    self.assertIn("error", answer.json())
        for path in (f"/invoice/{huge}", f"/invoice/{huge}/pdf", "/invoice/0", "/invoice/-1"):
            with self.subTest(path=path):
                self.assertSafe(self.url_open(f"/pay/{token}{path}"), (404,))
        for date_from, date_to, status in (
            ("0001-01-01", "", 400),  # was a 500: year 1 broke the report's dates
            ("", "0999-12-31", 400),
            ("2026-02-30", "", 400),
            ("", "9999-12-31", 200),
            # A statement covers at most a few years (bounded work per request).
            ("1900-01-01", "2026-12-31", 400),
            ("2024-01-01", "2026-12-31", 200),
        ):
            with self.subTest(date_from=date_from, date_to=date_to):
                response = self.url_open(
                    f"/pay/{token}/statement?date_from={date_from}&date_to={date_to}"
                )
                self.assertSafe(response, (status,))
                self.assertNotIn(self.rival.name, response.text)
                self.assertNotIn(self.company_b.name, response.text)
        self.assertFalse(self.env["payment.transaction"].search_count([]))


# Values Python's conversions accept too easily: Unicode digits ("²".isdigit()
# is true, int("²") fails), non-finite and overflowing floats, hexadecimal,
# padded, negative, huge, over-precise and out-of-range dates.
BAD_VALUES = (
    "\u00b2",
    "\u0663",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "1e306",
    "0x10",
    " 5 ",
    "-1",
    "0",
    "9" * 30,
    "1.0000001",
    "0001-01-01",
    "9999-12-31",
    "",
)


def bad_request(route, value):
    """``(path, query, json_extra, form)``: ``value`` in every input ``route`` reads."""
    quoted = quote(value, safe="")
    query = {
        name: value
        for name in ("page", "unpaid_page", "invoice_ids", "currency", "amount", "date_from")
    }
    query["date_to"] = value
    json_extra = {"amount": value, "provider_id": value, "payment_method_id": value}
    form = {
        "invoice_ids": [value],
        "amount": value,
        "transfer_date": value,
        "bank_reference": value,
        "note": value,
    }
    # Every path argument but the token ({invoice_id}, {selection}, {tx_id}...).
    path = re.sub(r"\{(?!token\})\w+\}", lambda _match: quoted or "0", route.path)
    return path, query, json_extra, form


@tagged("post_install", "-at_install")
class TestPaymentLinkBadValues(PaymentLinkRouteCommon):
    """Every route x every bad value: a 4xx or a clean page, never a 500 or a traceback."""

    def _check_bad_cell(self, route, token, value, csrf_token):
        path, query, json_extra, form = bad_request(route, value)
        path = path.format(token=token)
        if route.method == "GET":
            response = self.url_open(f"{path}?{urlencode(query)}", allow_redirects=False)
        elif route.method == "JSON":
            response = self._send("JSON", path, csrf_token, self.own, json_extra=json_extra)
        else:
            response = self._send(
                "POST", path, csrf_token, self.own, form={**form, "csrf_token": csrf_token}
            )
        self.assertLess(response.status_code, 500, response.text[-500:])
        self.assertNotIn("Traceback", response.text)
        for header, expected in HARDENING.items():
            self.assertEqual(response.headers.get(header), expected, header)
        if route.method == "JSON" and response.status_code == 200:
            answer = response.json()
            if "error" in answer:
                self.assertFalse(answer["error"]["data"].get("debug"), answer)
            else:
                # Accepted only where the amount is the server's (an invoice link).
                tx = self.env["payment.transaction"].search(
                    [("reference", "=", answer["result"]["reference"])]
                )
                self.assertEqual(tx.amount, tx.invoice_ids.amount_residual)
        return response

    def test_bad_values_on_every_route(self):
        csrf_token = self._csrf()
        Confirmation = self.env["islebooks.payment.confirmation"].sudo()
        tokens = {"invoice": self.own_link.token, "portal": self.portal_link.token}
        cells = [
            (kind, route, value) for kind in tokens for route in ROUTES for value in BAD_VALUES
        ]
        _logger.info(
            "bad values: %s kinds x %s routes x %s values = %s cells",
            len(tokens),
            len(ROUTES),
            len(BAD_VALUES),
            len(cells),
        )
        for kind, route, value in cells:
            with self.subTest(kind=kind, route=route.name, value=value):
                self._check_bad_cell(route, tokens[kind], value, csrf_token)
        # No bad amount, date or id ever made a confirmation.
        self.assertFalse(
            Confirmation.search([("link_id", "in", (self.own_link | self.portal_link).ids)])
        )
