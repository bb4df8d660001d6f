import json
import logging
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import config, mute_logger

from odoo.addons.islebooks_payment_links.log_filter import PaymentLinkTokenFilter

from .common import UNKNOWN_TOKEN, PaymentLinksHttpCommon, age_throttle


class PaymentLinkSecurityCommon(PaymentLinksHttpCommon):
    """A customer of its own with one invoice and its link; the throttle at 5."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.demo_provider
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")
        cls.partner = cls.env["res.partner"].create(
            {"name": "Coral Reef Diving Ltd", "email": "accounts@coralreef.example"}
        )
        cls.invoice = cls._make_invoice(cls.partner, 100.0)
        cls.link = cls.invoice._get_payment_links()
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param("islebooks_payment_links.throttle_max_failures", 5)
        # Start from a clean slate (inside the test transaction only).
        cls.env["islebooks.payment.link.throttle"].sudo().search([]).unlink()

    @classmethod
    def _make_invoice(cls, partner, amount):
        return cls._create_invoice(partner=partner, amount=amount, name="Reef snorkelling tour")

    # Helpers ---------------------------------------------------------------

    def _tx_params(self, csrf_token):
        # The amount is ignored: the server uses the invoice's residual.
        return self._pay_params(1.0, landing_route="/evil", csrf_token=csrf_token)

    def _start(self):
        """Start a payment of the link's invoice as its page does: the new transaction."""
        result = self._jsonrpc(
            f"/pay/{self.link.token}/transaction", self._tx_params(self._csrf())
        ).json()
        self.assertIn("result", result, result)
        return self.env["payment.transaction"].search(
            [("reference", "=", result["result"]["reference"])]
        )

    def _simulate(self, tx, state):
        """The demo provider's answer ``state`` for ``tx``, post-processed."""
        tx._handle_notification_data("demo", {"reference": tx.reference, "simulated_state": state})
        tx._post_process()

    def _failures(self, address="127.0.0.1"):
        self.env.cr.execute(
            "SELECT COALESCE(SUM(hits), 0) FROM islebooks_payment_link_throttle WHERE key = %s",
            [address],
        )
        return self.env.cr.fetchone()[0]


@tagged("post_install", "-at_install")
class TestPaymentLinkThrottle(PaymentLinkSecurityCommon):
    def test_guessing_gets_429_but_a_valid_token_is_served(self):
        for _i in range(5):
            self.assertEqual(self._get(f"/pay/{UNKNOWN_TOKEN}").status_code, 404)
        self.assertEqual(self._failures(), 5)
        for path in (f"/pay/{UNKNOWN_TOKEN}", f"/pay/{self._tamper()}/pdf"):
            response = self._get(path)
            self.assertEqual(response.status_code, 429, path)
            retry_after = int(response.headers["Retry-After"])
            self.assertTrue(0 < retry_after <= 600, retry_after)
            self.assertIn("Too many attempts", response.text)
            self.assertNotIn("Reef snorkelling tour", response.text)
            self.assertHardened(response)
        # Being blocked is not itself counted: the block ends on schedule.
        self.assertEqual(self._failures(), 5)
        # A customer behind the same address (carrier NAT) still opens the link.
        page = self._get(f"/pay/{self.link.token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Reef snorkelling tour", page.text)
        self.assertEqual(self._get(f"/pay/{self.link.token}/pdf").status_code, 200)
        # The JSON transaction route answers 429 too, as an error the payment form shows.
        response = self._jsonrpc(f"/pay/{UNKNOWN_TOKEN}/transaction", self._tx_params("x"))
        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response.headers)
        self.assertIn("Too many attempts", response.json()["error"]["message"])
        self.assertHardened(response)
        result = self._jsonrpc(f"/pay/{self.link.token}/transaction", self._tx_params(self._csrf()))
        self.assertIn("result", result.json())
        self.assertEqual(len(self.invoice.transaction_ids), 1)

    def _tamper(self):
        return self.link.token[:-1] + ("B" if self.link.token[-1] != "B" else "C")

    def test_block_ends_when_the_window_has_passed(self):
        for _i in range(5):
            self._get(f"/pay/{UNKNOWN_TOKEN}/pdf")
        self.assertEqual(self._get(f"/pay/{UNKNOWN_TOKEN}").status_code, 429)
        # Age the counter past the 10-minute window.
        age_throttle(self.env, 11)
        self.assertEqual(self._get(f"/pay/{UNKNOWN_TOKEN}").status_code, 404)
        # A new window started with that failure.
        self.assertEqual(self._failures(), 1)
        age_throttle(self.env, 11)
        self.env["islebooks.payment.link.throttle"]._gc_expired_counters()
        self.assertEqual(self._failures(), 0)

    def test_success_is_not_counted_nor_written(self):
        for _i in range(8):
            self.assertEqual(self._get(f"/pay/{self.link.token}").status_code, 200)
        self.assertEqual(self._failures(), 0)
        self.env.cr.execute(
            "SELECT view_count FROM islebooks_payment_link WHERE id = %s", [self.link.id]
        )
        # Eight reloads in a row are one visit: no write after the first.
        self.assertEqual(self.env.cr.fetchone()[0], 1)

    def test_malformed_and_near_miss_tokens_are_counted(self):
        near_miss = self.link.token[:-1] + ("B" if self.link.token[-1] != "B" else "C")
        paths = [
            f"/pay/{near_miss}",
            "/pay/short",
            f"/pay/{self.link.token}x",
            f"/pay/{near_miss}/pdf",
        ]
        for path in paths:
            response = self._get(path)
            self.assertEqual(response.status_code, 404, path)
            self.assertNotIn("Reef snorkelling tour", response.text)
            self.assertHardened(response)
        self.assertEqual(self._failures(), len(paths))

    def test_forwarded_for_is_ignored_without_proxy_mode(self):
        headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Host": "pay.example"}
        with patch.dict(config.options, {"proxy_mode": False}):
            self._get(f"/pay/{UNKNOWN_TOKEN}", headers=headers)
        self.assertEqual(self._failures("127.0.0.1"), 1)
        self.assertEqual(self._failures("198.51.100.7"), 0)

    def test_forwarded_for_is_the_client_in_proxy_mode(self):
        attacker = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Host": "pay.example"}
        customer = {"X-Forwarded-For": "203.0.113.20", "X-Forwarded-Host": "pay.example"}
        with patch.dict(config.options, {"proxy_mode": True}):
            for _i in range(5):
                self._get(f"/pay/{UNKNOWN_TOKEN}", headers=attacker)
            self.assertEqual(self._failures("198.51.100.7"), 5)
            self.assertEqual(self._get(f"/pay/{UNKNOWN_TOKEN}", headers=attacker).status_code, 429)
            # Another client behind the same proxy is not affected.
            self.assertEqual(self._get(f"/pay/{UNKNOWN_TOKEN}", headers=customer).status_code, 404)
            self.assertEqual(
                self._get(f"/pay/{self.link.token}", headers=customer).status_code, 200
            )
        self.assertEqual(self._failures("127.0.0.1"), 0)

    def test_default_limits(self):
        self.params.set_param("islebooks_payment_links.throttle_max_failures", "")
        self.params.search([("key", "like", "islebooks_payment_links.throttle_%")]).unlink()
        self.assertEqual(self.env["islebooks.payment.link.throttle"]._get_limits(), (20, 10))


@tagged("post_install", "-at_install")
class TestPaymentLinkHygiene(PaymentLinkSecurityCommon):
    def test_headers_on_every_route_and_error(self):
        responses = {
            "page": self._get(f"/pay/{self.link.token}"),
            "pdf": self._get(f"/pay/{self.link.token}/pdf"),
            "page 404": self._get(f"/pay/{UNKNOWN_TOKEN}"),
            "pdf 404": self._get(f"/pay/{UNKNOWN_TOKEN}/pdf"),
            "unknown sub-path": self._get(f"/pay/{self.link.token}/nothing-here"),
            "renew": self.url_open(
                f"/pay/{UNKNOWN_TOKEN}/renew", data={"csrf_token": self._csrf()}
            ),
            "transaction 404": self._jsonrpc(
                f"/pay/{UNKNOWN_TOKEN}/transaction", self._tx_params(self._csrf())
            ),
            "transaction bad csrf": self._jsonrpc(
                f"/pay/{self.link.token}/transaction", self._tx_params("forged")
            ),
        }
        expected = {
            "page": 200,
            "pdf": 200,
            "page 404": 404,
            "pdf 404": 404,
            "unknown sub-path": 404,
            "renew": 200,
            "transaction 404": 404,
            "transaction bad csrf": 200,  # JSON-RPC error
        }
        for name, response in responses.items():
            with self.subTest(route=name):
                self.assertEqual(response.status_code, expected[name])
                self.assertHardened(response)
        self.assertEqual(responses["pdf"].headers["Content-Type"], "application/pdf")
        self.assertIn('<meta name="robots" content="noindex, nofollow"', responses["page"].text)
        self.assertIn('<meta name="robots" content="noindex, nofollow"', responses["page 404"].text)
        self.assertIn("no longer valid", responses["transaction 404"].json()["error"]["message"])
        self.assertIn("error", responses["transaction bad csrf"].json())

    def test_csrf_on_every_post(self):
        with mute_logger("odoo.http"):
            renew = self.url_open(f"/pay/{self.link.token}/renew", data={"csrf_token": "forged"})
        self.assertEqual(renew.status_code, 400)
        forged = self._jsonrpc(f"/pay/{self.link.token}/transaction", self._tx_params("forged"))
        self.assertEqual(forged.json()["error"]["data"]["name"], "werkzeug.exceptions.Forbidden")
        missing = self._tx_params(None)
        del missing["csrf_token"]
        forged = self._jsonrpc(f"/pay/{self.link.token}/transaction", missing)
        self.assertEqual(forged.json()["error"]["data"]["name"], "werkzeug.exceptions.Forbidden")
        self.assertFalse(self.invoice.transaction_ids)

    def test_token_never_in_access_log(self):
        lines = []
        handler = logging.Handler(logging.INFO)
        handler.emit = lambda record: lines.append(handler.format(record))
        werkzeug_logger = logging.getLogger("werkzeug")
        # The access log is INFO: heard whatever the run's --log-level.
        level = werkzeug_logger.level
        werkzeug_logger.setLevel(logging.INFO)
        werkzeug_logger.addHandler(handler)
        try:
            statuses = [
                self._get(f"/pay/{self.link.token}").status_code,
                self._get(f"/pay/{UNKNOWN_TOKEN}").status_code,
                self._get(f"/pay/{self.link.token}/nothing-here").status_code,
            ]
        finally:
            werkzeug_logger.removeHandler(handler)
            werkzeug_logger.setLevel(level)
        self.assertEqual(statuses, [200, 404, 404])
        output = "\n".join(lines)
        self.assertIn("GET /pay/*** ", output)
        self.assertIn("GET /pay/***/nothing-here ", output)
        self.assertNotIn(self.link.token, output)
        self.assertNotIn(UNKNOWN_TOKEN, output)
        # The filter itself, on a record shaped like werkzeug's.
        record = logging.LogRecord(
            "werkzeug",
            logging.INFO,
            __file__,
            1,
            '%s - "%s" %s',
            ("127.0.0.1", f"GET /fr/pay/{self.link.token}/pdf HTTP/1.1", 200),
            None,
        )
        PaymentLinkTokenFilter().filter(record)
        self.assertEqual(record.getMessage(), '127.0.0.1 - "GET /fr/pay/***/pdf HTTP/1.1" 200')

    def test_provider_sees_only_internal_routes(self):
        csrf = self._csrf()
        result = self._jsonrpc(f"/pay/{self.link.token}/transaction", self._tx_params(csrf)).json()
        self.assertIn("result", result, result)
        tx = self.invoice.transaction_ids
        self.assertEqual(len(tx), 1)
        # The request's landing route and amount are ignored.
        self.assertEqual(tx.landing_route, f"/pay/{self.link.token}")
        self.assertEqual(tx.amount, 100.0)
        # What goes to a provider: processing values and the return URL the
        # provider redirects to are Odoo's generic /payment/... routes.
        processing = json.dumps(result["result"])
        self.assertNotIn(self.link.token, processing)


@tagged("post_install", "-at_install")
class TestPaymentLinkLifecycle(PaymentLinkSecurityCommon):
    def test_regenerate_rotates_the_link(self):
        old_token = self.link.token
        action = self.link.action_regenerate()
        new_link = self.env["islebooks.payment.link"].browse(action["res_id"])
        self.assertEqual(self.link.state, "revoked")
        self.assertEqual(new_link.state, "active")
        self.assertEqual(new_link.move_id, self.invoice)
        self.assertNotEqual(new_link.token, old_token)
        self.assertEqual(self._get(f"/pay/{old_token}").status_code, 404)
        self.assertEqual(self._get(f"/pay/{new_link.token}").status_code, 200)
        # From the invoice form.
        self.invoice.action_regenerate_payment_link()
        self.assertEqual(new_link.state, "revoked")
        self.assertNotIn(self.invoice.payment_link_id, self.link | new_link)

    def test_regenerate_portal_link(self):
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", self.partner)
        action = portal.action_regenerate()
        fresh = self.env["islebooks.payment.link"].browse(action["res_id"])
        self.assertEqual((portal.state, fresh.state), ("revoked", "active"))
        self.assertEqual((fresh.scope, fresh.partner_id), ("portal", self.partner))

    def test_archiving_the_customer_revokes_its_links(self):
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", self.partner)
        other = self.env["res.partner"].create({"name": "Other"})
        other_link = self._make_invoice(other, 10)._get_payment_links()
        self.partner.action_archive()
        self.assertEqual((self.link | portal).mapped("state"), ["revoked", "revoked"])
        self.assertEqual(other_link.state, "active")
        self.assertEqual(self._get(f"/pay/{self.link.token}").status_code, 404)

    def test_merging_revokes_the_links_of_merged_away_contacts(self):
        dup = self.env["res.partner"].create(
            {"name": "Coral Reef Diving", "email": "accounts@coralreef.example"}
        )
        dup_invoice_link = self._make_invoice(dup, 30)._get_payment_links()
        dup_portal = self.env["islebooks.payment.link"]._get_or_create("portal", dup)
        kept_portal = self.env["islebooks.payment.link"]._get_or_create("portal", self.partner)
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((self.partner | dup).ids, dst_partner=self.partner)
        self.assertFalse(dup.exists())
        self.assertEqual(dup_invoice_link.state, "revoked")
        self.assertEqual(dup_portal.state, "revoked")
        self.assertEqual(kept_portal.state, "active")
        self.assertEqual(self.link.state, "active")
        # The destination keeps exactly one live portal link.
        live = self.env["islebooks.payment.link"].search(
            [
                ("partner_id", "=", self.partner.id),
                ("scope", "=", "portal"),
                ("state", "=", "active"),
            ]
        )
        self.assertEqual(live, kept_portal)

    def test_cancelled_invoice_still_shows_but_cannot_be_paid(self):
        csrf = self._csrf()
        self.invoice.button_cancel()
        page = self._get(f"/pay/{self.link.token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Cancelled", page.text)
        self.assertIn("This invoice was cancelled: there is nothing to pay.", page.text)
        self.assertNotIn("o_payment_form", page.text)
        result = self._jsonrpc(f"/pay/{self.link.token}/transaction", self._tx_params(csrf)).json()
        self.assertIn(
            "This invoice was cancelled: there is nothing to pay.",
            result["error"]["data"]["message"],
        )
        self.assertFalse(self.invoice.transaction_ids)

    def test_paid_invoice_still_shows_and_downloads_but_cannot_be_paid(self):
        csrf = self._csrf()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        page = self._get(f"/pay/{self.link.token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("This invoice is paid.", page.text)
        self.assertNotIn("o_payment_form", page.text)
        self.assertEqual(self._get(f"/pay/{self.link.token}/pdf").status_code, 200)
        result = self._jsonrpc(f"/pay/{self.link.token}/transaction", self._tx_params(csrf)).json()
        self.assertIn("paid", result["error"]["data"]["message"])

    def test_expired_link_is_not_found(self):
        self.link.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        response = self._get(f"/pay/{self.link.token}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(self.invoice.name, response.text)
        self.assertNotIn(self.partner.name, response.text)


@tagged("post_install", "-at_install")
class TestPaymentLinkRenewal(PaymentLinkSecurityCommon):
    def _renewal_mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "islebooks.payment.link"), ("recipient_ids", "in", self.partner.ids)]
        )

    def _activities(self):
        return self.env["mail.activity"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", self.invoice.id)]
        )

    def _normalised_404(self, token):
        body = self._get(f"/pay/{token}").text.replace(token, "TOKEN")
        # CSRF tokens are HMAC + "o" + timestamp: they differ by the second.
        return re.sub(r"[0-9a-f]{40}o\d+", "CSRF", body)

    def test_not_found_pages_are_identical(self):
        expired = self.link
        expired.expires_at = fields.Datetime.now() - timedelta(days=1)
        revoked = self._make_invoice(self.partner, 20)._get_payment_links()
        revoked.action_revoke()
        pages = [self._normalised_404(t) for t in (UNKNOWN_TOKEN, expired.token, revoked.token)]
        self.assertIn("o_islebooks_renew_form", pages[0])
        self.assertEqual(pages[0], pages[1])
        self.assertEqual(pages[0], pages[2])

    def _renew(self, token):
        response = self.url_open(f"/pay/{token}/renew", data={"csrf_token": self._csrf()})
        self.assertEqual(response.status_code, 200)
        self.assertHardened(response)
        self.assertIn("If this link was ours, a new one is on its way", response.text)
        return response

    def test_expired_link_gets_a_fresh_one_by_email_and_an_activity(self):
        old_token = self.link.token
        self.link.expires_at = fields.Datetime.now() - timedelta(days=1)
        answer = self._renew(old_token)
        fresh = self.invoice.payment_link_ids.filtered(lambda link: link.state == "active")
        self.assertEqual(len(fresh), 1)
        self.assertNotEqual(fresh.token, old_token)
        mail = self._renewal_mails()
        self.assertEqual(len(mail), 1)
        self.assertIn(fresh.url, mail.body_html)
        self.assertNotIn(old_token, mail.body_html)
        self.assertNotIn(fresh.token, answer.text)
        self.assertEqual(len(self._activities()), 1)
        # Asking again within the hour sends nothing more.
        self._renew(old_token)
        self.assertEqual(len(self._renewal_mails()), 1)

    def test_unknown_live_and_archived_get_the_same_answer_and_nothing_sent(self):
        unknown = self._renew(UNKNOWN_TOKEN).text
        live = self._renew(self.link.token).text
        csrf = re.compile(r"[0-9a-f]{40}o\d+")
        self.assertEqual(
            csrf.sub("CSRF", unknown.replace(UNKNOWN_TOKEN, "T")),
            csrf.sub("CSRF", live.replace(self.link.token, "T")),
        )
        self.partner.action_archive()  # revokes the link
        self._renew(self.link.token)
        self.assertFalse(self._renewal_mails())
        self.assertFalse(self._activities())

    def test_renew_never_uses_a_typed_address(self):
        self.link.expires_at = fields.Datetime.now() - timedelta(days=1)
        self.url_open(
            f"/pay/{self.link.token}/renew",
            data={"csrf_token": self._csrf(), "email": "attacker@evil.example"},
        )
        mails = self.env["mail.mail"].search([("model", "=", "islebooks.payment.link")])
        self.assertEqual(mails.recipient_ids, self.partner)
        self.assertNotIn("evil.example", " ".join(mails.mapped("email_to") + [""]))

    def test_renew_requests_are_throttled(self):
        for _i in range(5):
            self._renew(UNKNOWN_TOKEN)
        response = self.url_open(f"/pay/{UNKNOWN_TOKEN}/renew", data={"csrf_token": self._csrf()})
        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response.headers)


@tagged("post_install", "-at_install")
class TestPaymentLinkNothingLost(PaymentLinkSecurityCommon):
    def test_failed_or_cancelled_payment_leaves_the_invoice_payable(self):
        for state in ("cancel", "error"):
            with self.subTest(state=state):
                tx = self._start()
                self.assertEqual(tx.amount, 100.0)
                self._simulate(tx, state)
                self.assertIn(tx.state, ("cancel", "error"))
                self.assertEqual(self.invoice.amount_residual, 100.0)
                self.assertEqual(self.invoice.payment_state, "not_paid")
                self.assertEqual(self.invoice._get_payment_blocker(), "")
                page = self._get(f"/pay/{self.link.token}")
                self.assertIn("o_payment_form", page.text)

    def test_pending_payment_blocks_a_second_one_then_done_pays_once(self):
        tx = self._start()
        self._simulate(tx, "pending")
        result = self._jsonrpc(
            f"/pay/{self.link.token}/transaction", self._tx_params(self._csrf())
        ).json()
        self.assertIn("being processed", result["error"]["data"]["message"])
        self._simulate(tx, "done")
        self.assertEqual(self.invoice.transaction_ids, tx)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(len(tx.payment_id), 1)
