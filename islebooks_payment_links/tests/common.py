"""Shared fixtures of the addon's tests: one world, one set of HTTP helpers.

``PaymentLinksCommon`` builds on ``account_payment``'s own test base
(``AccountPaymentCommon``: Odoo's accounting test company with its chart of accounts,
bank journal, ``partner_a``/``partner_b``, ``product_a``, plus the payment module's
currencies and users). On top of it, Odoo's own Demo payment provider (module
``payment_demo``) is enabled the way a business enables it, and it gives the one
invoice factory (``_create_invoices``) and the links' page paths.

``PaymentLinksHttpCommon`` adds what a browser does on the customer pages: the one
CSRF scraper (``_csrf``), the one JSON-RPC call (``_jsonrpc``) and the values Odoo's
payment form posts (``_pay_params``). Build every feature's tests on these two classes.
"""

import io
import json
import re

from PIL import Image

from odoo import Command, fields
from odoo.tests import HttpCase

from odoo.addons.account_payment.tests.common import AccountPaymentCommon

# The accounting test company that .ci/prepare_test_db.py builds in the test database.
PREPARED_TEST_COMPANY = "__islebooks_tests__.company_1_data"
# The headers every answer under /pay/ carries.
HARDENING = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}
# A well-formed token no link has.
UNKNOWN_TOKEN = "A" * 43
# The smallest well-formed PDF: header, catalog, pages, trailer.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
CSRF_RE = re.compile(r'csrf_token: "([^"]+)"|name="csrf_token" value="([^"]+)"')


def make_png(color=(30, 120, 200)):
    """A small real PNG image (a transfer proof)."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), color).save(buffer, format="PNG")
    return buffer.getvalue()


def make_jpeg():
    """A small real JPEG image (a transfer proof)."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 40, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def age_last_view(link, minutes=2):
    """Move ``link``'s last view back in time, so the next one is not a reload."""
    link.env.cr.execute(
        "UPDATE islebooks_payment_link"
        " SET last_viewed_at = last_viewed_at - %s * interval '1 minute' WHERE id = %s",
        [minutes, link.id],
    )
    link.invalidate_recordset(["last_viewed_at"])


def age_throttle(env, minutes, key=None):
    """Move the throttle's counting windows (of ``key`` only, if given) back by
    ``minutes``: what the clock does to the keyed limiter's counters."""
    env.cr.execute(
        "UPDATE islebooks_payment_link_throttle"
        " SET window_start = window_start - %s * interval '1 minute'"
        " WHERE %s IS NULL OR key = %s",
        [minutes, key, key],
    )
    env["islebooks.payment.link.throttle"].invalidate_model()


class PaymentLinksCommon(AccountPaymentCommon):
    """The test company, paid through Odoo's Demo provider, with ``customer``
    (``partner_a``) and the helpers to make invoices and reach their links."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.demo_provider = cls._enable_demo_provider(cls.company, cls.bank_journal)
        cls.customer = cls.partner_a
        cls.customer.email = "customer@example.com"
        cls.Link = cls.env["islebooks.payment.link"]
        # Payments post in the chatter as the current user.
        cls.env.user.partner_id.email = "accountant@example.com"

    # ------------------------------------------------------------------
    # Company setup
    # ------------------------------------------------------------------

    @classmethod
    def setup_independent_company(cls, **kwargs):
        """Odoo's accounting test company: the one the test command builds once, committed
        (``.ci/prepare_test_db.py``, the same company and chart Odoo's base would build), so
        that no class spends seconds loading a chart of accounts; built as Odoo does where
        the database has none (or where a class asks for another country or chart)."""
        company = cls.env.ref(PREPARED_TEST_COMPANY, raise_if_not_found=False)
        if not company or kwargs or cls.chart_template or cls.country_code:
            return super().setup_independent_company(**kwargs)
        # What Odoo's ``_create_company`` does besides creating it.
        cls.env.user.company_ids = [Command.link(company.id)]
        return company

    @classmethod
    def _enable_demo_provider(cls, company, journal):
        """Enable Odoo's Demo provider for ``company``, as staff do in Payment Providers.

        The record is ``payment.payment_provider_demo`` (installed by ``payment_demo``):
        test mode, published, in the company, paying into its bank journal. Every
        other provider of the company is disabled so only Demo is offered.
        """
        provider = cls.env.ref("payment.payment_provider_demo").sudo()
        cls.env["payment.provider"].sudo().search(
            [("company_id", "=", company.id), ("id", "!=", provider.id)]
        ).state = "disabled"
        # Company and journal in one write: the provider may already pay into
        # another company's journal (a database where staff enabled it).
        provider.write(
            {
                "company_id": company.id,
                "journal_id": journal.id,
                "state": "test",
                "is_published": True,
            }
        )
        provider.payment_method_ids.active = True
        return provider

    @classmethod
    def _make_unready(cls, company=None):
        """Leave ``company`` with nothing set up to get paid: no enabled payment
        provider, no bank account (how a fresh company starts), only its contact
        details; the customer ``partner_a`` gets an address of its own."""
        company = company or cls.company
        company.write({"email": "billing@company-one.example", "phone": "+1 555 0100"})
        cls.partner_a.email = "partner_a@customer.example"
        cls.env["payment.provider"].sudo().search([("company_id", "=", company.id)]).write(
            {"state": "disabled"}
        )
        company.partner_id.bank_ids.unlink()

    @classmethod
    def _make_ready(cls, company=None):
        """Give ``company`` a bank account customers can transfer to."""
        company = company or cls.company
        return cls.env["res.partner.bank"].create(
            {"acc_number": "BE71 0961 2345 6769", "partner_id": company.partner_id.id}
        )

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    @classmethod
    def _create_invoices(
        cls,
        count=1,
        partner=None,
        amount=100.0,
        *,
        post=True,
        move_type="out_invoice",
        company=None,
        currency=None,
        invoice_date=None,
        date_due=None,
        name="Consulting",
        taxes=None,
        **values,
    ):
        """``count`` moves (customer invoices by default) of one untaxed line each, in one batch.

        ``partner`` defaults to the test class's ``customer``, ``company`` to the test
        company (its sale or purchase journal is used). No payment term: an invoice is
        due on ``date_due`` (its date by default; overdue from the next day). The line
        is untaxed unless ``taxes`` (``account.tax`` records) are given. ``values`` are
        written on every move (a payment term, a salesperson...).
        """
        company = company or cls.env.company
        invoice_date = invoice_date or fields.Date.today()
        journal_type = "purchase" if move_type in ("in_invoice", "in_refund") else "sale"
        journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", journal_type)], limit=1
        )
        moves = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                [
                    {
                        "move_type": move_type,
                        "partner_id": (partner or cls.customer).id,
                        "journal_id": journal.id,
                        "currency_id": (currency or company.currency_id).id,
                        "invoice_payment_term_id": False,
                        "invoice_date": invoice_date,
                        "invoice_date_due": date_due or invoice_date,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": name,
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "tax_ids": [Command.set(taxes.ids if taxes else [])],
                                }
                            )
                        ],
                        **values,
                    }
                    for _i in range(count)
                ]
            )
        )
        if post:
            if count >= 100:
                cls._analyze()
            moves.action_post()
        return moves

    @classmethod
    def _analyze(cls):
        """Fresh planner statistics after creating many rows in this (uncommitted)
        transaction: otherwise PostgreSQL believes the tables nearly empty and its
        nested loops make Odoo's own posting and payment queries take minutes."""
        cls.env.flush_all()
        cls.env.cr.execute(
            "ANALYZE account_move, account_move_line, account_partial_reconcile, ir_attachment"
        )

    @classmethod
    def _create_invoice(cls, **kwargs):
        """One posted customer invoice (see ``_create_invoices`` for the options)."""
        return cls._create_invoices(1, **kwargs)

    @classmethod
    def _create_receivable_entry(
        cls, amount, partner=None, *, company=None, date=None, ref="Opening balance", count=1
    ):
        """A posted manual journal entry that leaves ``partner`` owing ``amount``
        without an invoice (an opening balance, a Point of Sale sale on account):
        a debit on its receivable (``count`` of them, one entry), against the
        company's revenue account. Returns the receivable items."""
        company = company or cls.env.company
        partner = partner or cls.customer
        journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "general")], limit=1
        )
        revenue = cls.env["account.account"].search(
            [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1
        )
        entry = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": date or fields.Date.today(),
                    "ref": ref,
                    "line_ids": [
                        *(
                            Command.create(
                                {
                                    "name": ref,
                                    "account_id": partner.with_company(
                                        company
                                    ).property_account_receivable_id.id,
                                    "partner_id": partner.id,
                                    "debit": amount,
                                }
                            )
                            for _i in range(count)
                        ),
                        Command.create(
                            {"name": ref, "account_id": revenue.id, "credit": amount * count}
                        ),
                    ],
                }
            )
        )
        entry.action_post()
        return entry.line_ids.filtered(lambda line: line.debit)

    @classmethod
    def _pay_in_full(cls, invoices):
        """Register a full payment of each of ``invoices`` from the back office."""
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"journal_id": cls.bank_journal.id, "group_payment": False})
            ._create_payments()
        )

    # ------------------------------------------------------------------
    # Links
    # ------------------------------------------------------------------

    @staticmethod
    def _link_path(link, suffix=""):
        """Path of the customer page of ``link`` (``/pay/<token>``), plus ``suffix``."""
        return f"/pay/{link.token}{suffix}"

    @classmethod
    def _invoice_path(cls, invoice, suffix=""):
        """Path of the live link of ``invoice``, created as Copy Invoice URL does."""
        return cls._link_path(invoice._get_payment_links(), suffix)

    @staticmethod
    def _tamper(token):
        """``token`` with one character changed (still a well-formed token)."""
        return token[:-1] + ("A" if token[-1] != "A" else "B")


class PaymentLinksHttpCommon(PaymentLinksCommon, HttpCase):
    """Public (logged-out) browsing of payment links, as a customer does."""

    def _get(self, path, **kwargs):
        """GET ``path`` without following redirects (what the browser receives first)."""
        return self.url_open(path, allow_redirects=False, **kwargs)

    def assertHardened(self, response):
        for header, value in HARDENING.items():
            self.assertEqual(
                response.headers.get(header), value, f"{header} on {response.request.url}"
            )

    def _csrf(self, path="/web/login"):
        """The CSRF token of this HTTP session, as the page at ``path`` hands it to its
        forms (the default page is no /pay/ lookup, so the throttle counts nothing)."""
        response = self._get(path)
        self.assertEqual(response.status_code, 200, path)
        match = CSRF_RE.search(response.text)
        self.assertTrue(match, f"no CSRF token on {path}")
        return match.group(1) or match.group(2)

    def _jsonrpc(self, path, params, headers=None):
        """POST a JSON-RPC call as Odoo's web client does; the raw response."""
        return self.url_open(
            path,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def _pay_params(self, amount=None, **extra):
        """The values Odoo's payment form posts to a link's transaction route (Demo
        provider); ``extra`` adds or overrides (``csrf_token``, ``landing_route``...)."""
        return {
            "provider_id": self.demo_provider.id,
            "payment_method_id": self.demo_provider.payment_method_ids[:1].id,
            "token_id": None,
            "amount": amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "",
            "is_validation": False,
            "access_token": None,
            **extra,
        }

    def _pay_selection(self, selection, amount):
        """Start a payment of ``selection`` (invoice ids, ``r<id>`` for the other
        amounts due) through the link's transaction route: the route's result."""
        if not getattr(self, "_csrf_token", None):
            self._csrf_token = self._csrf()
        return self._jsonrpc(
            self._link_path(self.link, f"/transaction/{selection}"),
            self._pay_params(amount, csrf_token=self._csrf_token),
        ).json()

    def _settle(self):
        """Confirm the link's payment as the Demo provider does, then book it as
        Odoo's status poll does: the transaction."""
        tx = self.link.transaction_ids
        tx.sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        tx.sudo()._post_process()
        return tx

    def _create_portal_reminder(self, moves):
        """A WhatsApp reminder of today to ``self.customer`` about ``moves``,
        linking to the portal link ``self.link``."""
        return (
            self.env["islebooks.payment.reminder"]
            .sudo()
            .create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "contact_id": self.customer.id,
                    "channel": "whatsapp",
                    "date": fields.Date.today(),
                    "move_ids": [Command.set(moves.ids)],
                    "link_id": self.link.id,
                }
            )
        )

    def _page_params(self, page_path, **overrides):
        """What the payment form of the page at ``page_path`` posts: its session's CSRF
        token, landing back on the page, the amount left to the server."""
        params = self._pay_params(landing_route=page_path, csrf_token=self._csrf(page_path))
        return {**params, **overrides}

    def _post_tx(self, page_path, **overrides):
        """Start a payment from the page at ``page_path`` through Odoo's own JSON-RPC
        test call: the route's result (an error raises ``JsonRpcException``)."""
        return self.make_jsonrpc_request(
            f"{page_path}/transaction", self._page_params(page_path, **overrides)
        )
