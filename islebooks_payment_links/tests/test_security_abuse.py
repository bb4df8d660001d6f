"""Abuse of the public routes, as an attacker (or an unlucky customer) sends it.

Bounded work per request, a throttle that never locks out a valid token,
payment limits, no traceback to the public, races between tabs and between
an online payment and a bank-transfer confirmation, leaks (logs, analytics,
redirects, renewal of revoked links) and what a cancelled invoice offers.
"""

import logging
import socket
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.islebooks_payment_links.models.islebooks_payment_link_throttle import client_key
from odoo.addons.islebooks_payment_links.tools.constants import (
    MAX_INVOICES_PER_REQUEST,
    MAX_PDFS_PER_REQUEST,
)

from .common import UNKNOWN_TOKEN, PaymentLinksHttpCommon, age_throttle
from .test_security import PaymentLinkSecurityCommon

MIB = 1024 * 1024
# Odoo applies X-Forwarded-For in --proxy-mode when the proxy sets the host too.
HOST = {"X-Forwarded-Host": "pay.example"}


@tagged("post_install", "-at_install")
class TestBoundedWork(PaymentLinksHttpCommon):
    """Point 4: invoices per ZIP/payment, PDFs generated per request, statement
    period, request size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.partner_a
        # One more than a payment may hold, none printed yet.
        cls.invoices = cls._create_invoices(MAX_INVOICES_PER_REQUEST + 1, cls.customer, 10.0)
        cls.link = cls.customer._get_portal_payment_links()
        cls.company.write(
            {"payment_confirmation_enabled": True, "payment_confirmation_proof_required": False}
        )

    def _ids(self, invoices):
        return ",".join(map(str, invoices.ids))

    def test_too_many_invoices_in_a_zip_or_a_payment(self):
        ids = self._ids(self.invoices)
        for path in (f"/zip?invoice_ids={ids}", f"/checkout?invoice_ids={ids}"):
            with self.subTest(path=path):
                response = self.url_open(self._link_path(self.link, path))
                self.assertEqual(response.status_code, 400)
                self.assertIn(
                    f"Please select at most {MAX_INVOICES_PER_REQUEST} invoices at once.",
                    response.text,
                )
        csrf = self._csrf(self._link_path(self.link))
        answer = self._jsonrpc(
            self._link_path(self.link, f"/transaction/{ids}"),
            self._pay_params(10.0 * len(self.invoices), csrf_token=csrf),
        ).json()
        self.assertIn("at most", answer["error"]["data"]["message"])
        self.assertFalse(self.invoices.transaction_ids)

    def test_pay_all_pays_the_oldest_invoices_a_payment_may_hold(self):
        currency = self.company.currency_id
        response = self.url_open(self._link_path(self.link, f"/checkout?currency={currency.id}"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_islebooks_checkout_capped", response.text)
        total = f"{10.0 * MAX_INVOICES_PER_REQUEST:,.2f}"
        self.assertRegex(response.text, rf"o_islebooks_checkout_total[\s\S]{{0,200}}{total}")
        csrf = self._csrf(self._link_path(self.link))
        answer = self._jsonrpc(
            self._link_path(self.link, f"/transaction/all-{currency.id}"),
            self._pay_params(10.0 * MAX_INVOICES_PER_REQUEST, csrf_token=csrf),
        ).json()
        self.assertIn("result", answer, answer)
        tx = self.env["payment.transaction"].search(
            [("islebooks_payment_link_id", "=", self.link.id)]
        )
        self.assertEqual(len(tx.invoice_ids), MAX_INVOICES_PER_REQUEST)
        self.assertEqual(tx.invoice_ids, self.invoices[:MAX_INVOICES_PER_REQUEST])

    def test_zip_generates_a_bounded_number_of_pdfs_per_request(self):
        wanted = self.invoices[: MAX_PDFS_PER_REQUEST + 5]
        path = self._link_path(self.link, f"/zip?invoice_ids={self._ids(wanted)}")
        first = self.url_open(path)
        self.assertEqual(first.status_code, 409)
        self.assertIn(
            f"Your invoices are being prepared: {MAX_PDFS_PER_REQUEST} of {len(wanted)} are ready.",
            first.text,
        )
        wanted.invalidate_recordset()
        self.assertEqual(len(wanted.filtered("invoice_pdf_report_id")), MAX_PDFS_PER_REQUEST)
        # The next click gets them all (the rest is within one request's share).
        second = self.url_open(path)
        self.assertEqual(second.status_code, 200)
        self.assertEqual(second.headers["Content-Type"], "application/zip")

    def test_statement_period_is_bounded(self):
        response = self.url_open(
            self._link_path(self.link, "/statement?date_from=2010-01-01&date_to=2026-12-31")
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("A statement covers at most 3 years.", response.text)
        # Only a start date: up to today, just as long.
        response = self.url_open(self._link_path(self.link, "/statement?date_from=1990-01-01"))
        self.assertEqual(response.status_code, 400)
        response = self.url_open(self._link_path(self.link, "/statement"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")

    def test_oversized_upload_refused_unparsed(self):
        """A 128 MiB body: 413, without being parsed, spooled or stored (werkzeug
        2.2 reads and discards what the client sends before answering)."""
        path = self._link_path(self.link, "/confirm")
        host, port = urlsplit(self.base_url()).hostname, urlsplit(self.base_url()).port
        with socket.create_connection((host, port), timeout=30) as client:
            client.sendall(
                (
                    f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    "Content-Type: multipart/form-data; boundary=x\r\n"
                    f"Content-Length: {128 * MIB}\r\nConnection: close\r\n\r\n"
                ).encode()
            )
            chunk = b"\0" * MIB
            for _i in range(128):
                client.sendall(chunk)
            answer = b""
            while b"\r\n\r\n" not in answer and (chunk := client.recv(4096)):
                answer += chunk
        status_line, _sep, headers = answer.partition(b"\r\n")
        self.assertIn(b" 413 ", status_line)
        self.assertIn(b"Referrer-Policy: no-referrer", headers)
        self.assertFalse(self.env["islebooks.payment.confirmation"].search_count([]))


@tagged("post_install", "-at_install")
class TestThrottleAndPaymentLimits(PaymentLinkSecurityCommon):
    """Point 5: failed lookups only, IPv6 by /64, a bounded table, payment
    limits per link and per address, a minimum partial payment."""

    def _rows(self):
        self.env.cr.execute("SELECT count(*) FROM islebooks_payment_link_throttle")
        return self.env.cr.fetchone()[0]

    def test_ipv6_is_keyed_by_its_64(self):
        self.assertEqual(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64")
        self.assertEqual(client_key("::ffff:198.51.100.7"), "198.51.100.7")
        self.assertEqual(client_key("198.51.100.7"), "198.51.100.7")
        with patch.dict(config.options, {"proxy_mode": True}):
            # A guesser hopping over the addresses of its /64 shares one counter.
            for suffix in range(5):
                headers = {"X-Forwarded-For": f"2001:db8:1:2::{suffix + 1}", **HOST}
                self.assertEqual(
                    self._get(f"/pay/{UNKNOWN_TOKEN}", headers=headers).status_code, 404
                )
            hop = {"X-Forwarded-For": "2001:db8:1:2:ffff::9", **HOST}
            self.assertEqual(self._get(f"/pay/{UNKNOWN_TOKEN}", headers=hop).status_code, 429)
            # The next /64 is someone else.
            other = {"X-Forwarded-For": "2001:db8:1:3::1", **HOST}
            self.assertEqual(self._get(f"/pay/{UNKNOWN_TOKEN}", headers=other).status_code, 404)
        self.assertEqual(self._failures("2001:db8:1:2::/64"), 5)

    def test_table_stays_bounded_under_a_flood(self):
        for _i in range(30):
            self._get(f"/pay/{UNKNOWN_TOKEN}")
        # One row for the address, however many failures.
        self.assertEqual(self._rows(), 1)
        # A flood from many addresses: rows whose window has passed make room.
        age_throttle(self.env, 11)
        with patch.dict(config.options, {"proxy_mode": True}):
            for number in range(3):
                self._get(
                    f"/pay/{UNKNOWN_TOKEN}",
                    headers={"X-Forwarded-For": f"203.0.113.{number}", **HOST},
                )
        self.assertEqual(self._rows(), 3)
        self.assertEqual(self._failures("127.0.0.1"), 0)

    def _pay(self, link=None):
        link = link or self.link
        return self._jsonrpc(f"/pay/{link.token}/transaction", self._tx_params(self._csrf()))

    def test_payments_per_link_are_limited(self):
        self.params.set_param("islebooks_payment_links.transactions_per_link_per_hour", 2)
        for _i in range(2):
            self.assertIn("result", self._pay().json())
        refused = self._pay()
        self.assertEqual(refused.status_code, 429)
        self.assertIn("Too many attempts", refused.json()["error"]["message"])
        self.assertIn("Retry-After", refused.headers)
        self.assertEqual(len(self.invoice.transaction_ids), 2)
        # Links are limited one by one: another link of the customer still pays.
        other = self._make_invoice(self.partner, 20.0)._get_payment_links()
        self.assertIn("result", self._pay(other).json())
        # An hour later the link may pay again.
        age_throttle(self.env, 61, f"tx-link:{self.link.id}")
        self.assertIn("result", self._pay().json())
        self.assertEqual(len(self.invoice.transaction_ids), 3)

    def test_hourly_counters_outlive_the_lookup_window(self):
        self.params.set_param("islebooks_payment_links.transactions_per_link_per_hour", 1)
        self.assertIn("result", self._pay().json())
        self.env["islebooks.payment.confirmation"].sudo()._create_from_link(
            self.link, self.invoice, {"amount": 100.0, "transfer_date": fields.Date.today()}
        )
        # Past the 10-minute lookup window: the payment and confirmation counters stay.
        Throttle = self.env["islebooks.payment.link.throttle"]
        age_throttle(self.env, 11)
        Throttle._gc_expired_counters()
        self.assertEqual(self._rows(), 3)
        self.assertEqual(self._pay().status_code, 429)
        # Past the hour they go, and the link pays again.
        age_throttle(self.env, 50)
        Throttle._gc_expired_counters()
        self.assertEqual(self._rows(), 0)
        self.assertIn("result", self._pay().json())

    def test_payments_per_address_are_limited(self):
        self.params.set_param("islebooks_payment_links.transactions_per_address_per_hour", 2)
        others = [self._make_invoice(self.partner, 10.0 + i)._get_payment_links() for i in range(2)]
        self.assertIn("result", self._pay().json())
        self.assertIn("result", self._pay(others[0]).json())
        refused = self._pay(others[1])
        self.assertEqual(refused.status_code, 429)
        self.assertFalse(others[1].move_id.transaction_ids)

    def test_partial_payment_has_a_minimum(self):
        company = self.invoice.company_id
        company.payment_link_allow_partial = True
        company.payment_link_partial_min_percent = 10.0
        portal = self.partner._get_portal_payment_links()
        checkout = f"/pay/{portal.token}/checkout?invoice_ids={self.invoice.id}"
        small = self.url_open(f"{checkout}&amount=5")
        self.assertIn("Please pay at least", small.text)
        self.assertNotIn('name="o_payment_submit_button"', small.text)
        params = {**self._tx_params(self._csrf()), "amount": 5.0}
        answer = self._jsonrpc(f"/pay/{portal.token}/transaction/{self.invoice.id}", params).json()
        self.assertIn("Please pay at least", answer["error"]["data"]["message"])
        params["amount"] = 10.0
        answer = self._jsonrpc(f"/pay/{portal.token}/transaction/{self.invoice.id}", params).json()
        self.assertIn("result", answer, answer)
        self.assertEqual(self.invoice.transaction_ids.amount, 10.0)


@tagged("post_install", "-at_install")
class TestNoTracebackToThePublic(PaymentLinkSecurityCommon):
    """Point 6: errors of the JSON route carry no traceback; bad amounts and
    dates of the confirmation form are form errors."""

    def test_json_errors_carry_no_traceback(self):
        params = {**self._tx_params(self._csrf()), "flow": "token"}
        answer = self._jsonrpc(f"/pay/{self.link.token}/transaction", params).json()
        self.assertIn("Saved payment methods", answer["error"]["data"]["message"])
        self.assertEqual(answer["error"]["data"]["debug"], "")
        # A CSRF token that is no string: refused, not a server error.
        params = {**self._tx_params(5)}
        answer = self._jsonrpc(f"/pay/{self.link.token}/transaction", params).json()
        self.assertEqual(answer["error"]["data"]["name"], "werkzeug.exceptions.Forbidden")
        self.assertEqual(answer["error"]["data"]["debug"], "")

    def _confirm(self, **values):
        self.invoice.company_id.write(
            {"payment_confirmation_enabled": True, "payment_confirmation_proof_required": False}
        )
        data = {
            "csrf_token": self._csrf(),
            "invoice_ids": [str(self.invoice.id)],
            "amount": "100.00",
            "transfer_date": fields.Date.to_string(fields.Date.today()),
            **values,
        }
        return self.url_open(f"/pay/{self.link.token}/confirm", data=data, allow_redirects=False)

    def test_confirmation_amounts_and_dates_are_bounded(self):
        for amount in ("1e308", "1e306", "nan", "inf", "99999999999999"):
            with self.subTest(amount=amount):
                response = self._confirm(amount=amount)
                self.assertEqual(response.status_code, 400)
                self.assertIn("Enter the amount as a number", response.text)
        for date in ("0001-01-01", "1900-01-01"):
            with self.subTest(date=date):
                response = self._confirm(transfer_date=date)
                self.assertEqual(response.status_code, 400)
                self.assertIn("The transfer date is too far in the past.", response.text)
        for invoice_id in ("\u00b2", "\u0663"):
            with self.subTest(invoice_id=invoice_id):
                response = self._confirm(invoice_ids=[invoice_id])
                self.assertEqual(response.status_code, 400)
                self.assertIn("Choose invoices from this page only.", response.text)
        self.assertFalse(self.env["islebooks.payment.confirmation"].search_count([]))
        self.assertEqual(self._confirm().status_code, 303)


@tagged("post_install", "-at_install")
class TestPaymentRaces(PaymentLinkSecurityCommon):
    """Point 7: two tabs, a confirmation against an online payment, a payment
    abandoned half-way."""

    def test_second_tab_replaces_the_first_draft(self):
        first = self._start()
        second = self._start()
        self.assertEqual(first.state, "cancel")
        self.assertTrue(first.islebooks_superseded)
        self.assertEqual(second.state, "draft")
        # The first tab's provider confirms after all: recorded, never lost.
        self._simulate(first, "done")
        self.assertEqual(first.state, "done")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        # The invoice is paid: no tab can start another payment.
        answer = self._jsonrpc(f"/pay/{self.link.token}/transaction", self._tx_params(self._csrf()))
        self.assertIn("paid", answer.json()["error"]["data"]["message"])

    def test_confirmation_after_an_online_payment_is_refused(self):
        company = self.invoice.company_id
        company.write(
            {
                "payment_confirmation_enabled": True,
                "payment_confirmation_proof_required": False,
                "payment_confirmation_journal_id": self.provider.journal_id.id,
            }
        )
        confirmation = (
            self.env["islebooks.payment.confirmation"]
            .sudo()
            ._create_from_link(
                self.link,
                self.invoice,
                {"amount": 100.0, "transfer_date": fields.Date.today()},
            )
        )
        self._simulate(self._start(), "done")
        with self.assertRaisesRegex(UserError, "no longer has anything to pay"):
            confirmation.action_approve()
        self.assertEqual(len(self.invoice.matched_payment_ids), 1)

    def test_staff_clear_an_abandoned_payment(self):
        tx = self._start()
        self._simulate(tx, "pending")
        self.assertIn("being processed", self.invoice._get_payment_blocker())
        self.assertEqual(self.invoice.payment_link_stale_tx_count, 0)
        # An hour later the customer never came back.
        self.env.cr.execute(
            "UPDATE payment_transaction SET create_date = create_date - interval '2 hours'"
            " WHERE id = %s",
            [tx.id],
        )
        tx.invalidate_recordset()
        self.invoice.invalidate_recordset()
        self.assertEqual(self.invoice.payment_link_stale_tx_count, 1)
        self.invoice.action_clear_stale_link_payments()
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(self.invoice._get_payment_blocker(), "")
        self.assertIn("o_payment_form", self._get(f"/pay/{self.link.token}").text)


@tagged("post_install", "-at_install")
class TestLeaks(PaymentLinkSecurityCommon):
    """Point 8: logs, analytics, redirects, renewal of revoked links, QR file names."""

    def test_token_masked_in_csrf_failure_logs(self):
        with self.assertLogs("odoo.http", logging.WARNING) as logs:
            response = self.url_open(
                f"/pay/{self.link.token}/confirm", data={"csrf_token": "forged"}
            )
        self.assertEqual(response.status_code, 400)
        output = "\n".join(logs.output)
        self.assertIn("/pay/***/confirm", output)
        self.assertNotIn(self.link.token, output)

    def test_pay_pages_load_no_analytics_nor_custom_code(self):
        website = self.env["website"].get_current_website()
        website.write(
            {
                "google_analytics_key": "G-ISLETEST42",
                "plausible_shared_key": "plausible-isle-key",
                "plausible_site": "isle.example",
                "custom_code_head": "<script>window.isleHeadCode = 1;</script>",
                "custom_code_footer": "<script>window.isleFooterCode = 1;</script>",
            }
        )
        markers = ("G-ISLETEST42", "plausible", "isleHeadCode", "isleFooterCode")
        home = self._get("/").text
        for marker in markers:
            self.assertIn(marker, home)  # the settings are live on the site
        for path in (
            f"/pay/{self.link.token}",
            f"/pay/{UNKNOWN_TOKEN}",
            f"/pay/{self.link.token}/nothing-here",
        ):
            body = self._get(path).text
            for marker in markers:
                with self.subTest(path=path[:12], marker=marker):
                    self.assertNotIn(marker, body)

    def test_language_redirects_are_hardened(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        website = self.env["website"].get_current_website()
        website.language_ids |= self.env.ref("base.lang_fr")
        response = self._get(f"/fr_FR/pay/{self.link.token}")
        self.assertIn(response.status_code, (301, 302, 303, 308))
        self.assertIn("/fr/pay/", response.headers["Location"])
        self.assertHardened(response)

    def test_revoked_link_cannot_be_renewed_expired_can(self):
        self.link.action_revoke()
        self.url_open(f"/pay/{self.link.token}/renew", data={"csrf_token": self._csrf()})
        self.assertFalse(
            self.invoice.payment_link_ids.filtered(lambda link: link.state == "active")
        )
        self.assertFalse(self.env["mail.mail"].search([("model", "=", "islebooks.payment.link")]))
        # A link retired because it expired is an expired link: it may ask.
        other = self._make_invoice(self.partner, 30.0)
        expired = other._get_payment_links()
        expired.expires_at = fields.Datetime.now() - timedelta(days=1)
        other._get_payment_links()  # retires the expired link, makes a fresh one
        self.assertTrue(expired.revoked_at)
        self.assertFalse(expired.revoked_by_id)
        self.assertTrue(expired._is_renewable())
        self.assertFalse(self.link._is_renewable())

    def test_qr_download_url_is_quoted(self):
        self.partner.name = "Reef/Dive & Co #2?"
        wizard = self.env["islebooks.payment.link.wizard"].create(
            {"partner_ids": [fields.Command.set(self.partner.ids)]}
        )
        link = wizard.link_ids[:1]
        self.assertEqual(link.partner_id, self.partner)
        url = link.action_download_qr_code()["url"]
        path = url.split("/qr_code/", 1)[1]
        self.assertNotIn("#", path)
        self.assertNotIn("/", path)
        self.assertTrue(path.endswith(".png?download=true"), path)


@tagged("post_install", "-at_install")
class TestCancelledInvoicePage(PaymentLinkSecurityCommon):
    """Point 9: a cancelled invoice is shown as cancelled, with no dead download button."""

    def test_cancelled_invoice_offers_no_pdf(self):
        self.assertIn("o_islebooks_download_pdf", self._get(f"/pay/{self.link.token}").text)
        self.assertEqual(self._get(f"/pay/{self.link.token}/pdf").status_code, 200)
        self.invoice.button_cancel()
        page = self._get(f"/pay/{self.link.token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Cancelled", page.text)
        self.assertNotIn("o_islebooks_download_pdf", page.text)
        self.assertEqual(self._get(f"/pay/{self.link.token}/pdf").status_code, 404)
