import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import PaymentLinksCommon, age_last_view


@tagged("post_install", "-at_install")
class TestPaymentLink(PaymentLinksCommon):
    def test_token_is_long_random_and_unique(self):
        invoices = self._create_invoices(50)
        links = invoices._get_payment_links()
        self.assertEqual(len(links), 50)
        for link in links:
            # token_urlsafe(32): 43 URL-safe characters carry 256 bits (>= 128 required).
            self.assertRegex(link.token, r"^[A-Za-z0-9_-]{43,}$")
            self.assertGreaterEqual(len(link.token) * 6, 128)
            self.assertEqual(link.url, f"{link.get_base_url()}/pay/{link.token}")
        self.assertEqual(len(set(links.mapped("token"))), 50)
        self.assertEqual(links.move_id.ids, invoices.ids, "links come in the invoices' order")

    def test_open_means_the_same_everywhere(self):
        """One predicate and its domain: the page, the lists, WhatsApp, email and PDF agree."""
        Move = self.env["account.move"]
        invoice = self._create_invoice()
        invoice.company_id.payment_link_in_invoice_email = True
        link = invoice._get_payment_links()
        self.assertTrue(invoice._is_open_invoice())
        self.assertEqual(invoice._get_payment_blocker(), "")
        self.assertIn(invoice, Move.search(Move._get_open_domain()))
        # Blocked by the accountant: like core's _has_to_be_paid(), nothing asks for it.
        invoice.action_toggle_block_payment()
        self.assertEqual(invoice.payment_state, "blocked")
        self.assertFalse(invoice._is_open_invoice())
        self.assertFalse(invoice._is_settled())
        self.assertEqual(invoice._get_payment_blocker(), "This document cannot be paid online.")
        self.assertNotIn(invoice, Move.search(Move._get_open_domain()))
        self.assertNotIn(invoice, Move.search(link._get_portal_unpaid_domain()))
        self.assertEqual(invoice._get_payment_link_for_mail(), "")
        self.assertFalse(invoice._get_payment_link_qr_image())
        with self.assertRaisesRegex(UserError, "cannot be paid online"):
            invoice._check_whatsapp_sendable()
        invoice.action_toggle_block_payment()
        self.assertTrue(invoice._is_open_invoice())
        self._pay_in_full(invoice)
        self.assertTrue(invoice._is_settled())
        self.assertEqual(invoice._get_payment_blocker(), "This invoice is paid.")
        with self.assertRaisesRegex(UserError, "already paid"):
            invoice._check_whatsapp_sendable()

    def test_copy_again_returns_same_link(self):
        invoice = self._create_invoice()
        first = invoice._get_payment_links()
        second = invoice._get_payment_links()
        self.assertEqual(first, second)
        self.assertEqual(invoice.payment_link_url, first.url)
        self.assertEqual(self.Link.search_count([("move_id", "=", invoice.id)]), 1)

    def test_batch_get_or_create_query_count_does_not_grow(self):
        invoices = self._create_invoices(112)
        # Warm the registry caches (access rules, groups) so they are not counted.
        invoices[:2]._get_payment_links()
        small, large = invoices[2:12], invoices[12:]
        counts = {}
        for label, batch in (("10", small), ("100", large)):
            # Same starting point for both: nothing pending, invoices read from the database.
            self.env.flush_all()
            batch.invalidate_recordset()
            start = self.env.cr.sql_log_count
            links = batch._get_payment_links()
            self.env.flush_all()
            counts[label] = self.env.cr.sql_log_count - start
            self.assertEqual(len(links), len(batch))
            self.assertTrue(all(links.mapped("token_digest")))
        self.assertEqual(counts["10"], counts["100"], counts)
        # Getting them again creates nothing, also at a cost that does not grow.
        again_counts = {}
        for label, batch in (("10", small), ("112", invoices)):
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            again = batch._get_payment_links()
            again_counts[label] = self.env.cr.sql_log_count - start
            self.assertEqual(len(again), len(batch))
        self.assertEqual(again_counts["10"], again_counts["112"], again_counts)
        self.assertEqual(self.Link.search_count([("move_id", "in", invoices.ids)]), 112)

    def test_revoke(self):
        invoice = self._create_invoice()
        link = invoice._get_payment_links()
        self.assertEqual(self.Link._resolve(link.token), link)
        invoice.action_revoke_payment_link()
        self.assertEqual(link.state, "revoked")
        self.assertTrue(link.revoked_at)
        self.assertEqual(link.revoked_by_id, self.env.user)
        self.assertFalse(self.Link._resolve(link.token), "a revoked token no longer opens")
        self.assertFalse(invoice.payment_link_id)
        self.assertIn("Payment link revoked", invoice.message_ids[0].body)
        new_link = invoice._get_payment_links()
        self.assertNotEqual(new_link, link)
        self.assertNotEqual(new_link.token, link.token)
        self.assertEqual(invoice.payment_link_id, new_link)
        self.assertEqual(self.Link._resolve(new_link.token), new_link)

    def test_expiry(self):
        self.assertEqual(self.env.company.payment_link_validity, "0")
        no_expiry = self._create_invoice()._get_payment_links()
        self.assertFalse(no_expiry.expires_at)

        self.env.company.payment_link_validity = "30"
        invoice = self._create_invoice()
        link = invoice._get_payment_links()
        expected = fields.Datetime.now() + timedelta(days=30)
        self.assertAlmostEqual(link.expires_at, expected, delta=timedelta(minutes=5))
        self.assertEqual(self.Link._resolve(link.token), link)
        self.assertEqual(self.Link.search([("state", "=", "active"), ("id", "=", link.id)]), link)

        link.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(link.state, "expired")
        self.assertEqual(self.Link.search([("state", "=", "expired"), ("id", "=", link.id)]), link)
        self.assertFalse(self.Link._resolve(link.token), "an expired token no longer opens")
        self.assertFalse(invoice.payment_link_id)

        fresh = invoice._get_payment_links()
        self.assertNotEqual(fresh, link)
        self.assertEqual(fresh.state, "active")
        self.assertGreater(fresh.expires_at, fields.Datetime.now())
        self.assertFalse(self.Link._resolve(link.token))

    def test_resolve_refuses_malformed_tokens(self):
        link = self._create_invoice()._get_payment_links()
        for token in (
            "",
            "short",
            link.token + "x",
            link.token[:-1],
            self._tamper(link.token),
            link.token.upper(),
            None,
            42,
        ):
            self.assertFalse(self.Link._resolve(token), token)

    def test_refused_documents(self):
        draft = self._create_invoice(post=False)
        cancelled = self._create_invoice()
        cancelled.button_draft()
        cancelled.button_cancel()
        bill = self._create_invoice(move_type="in_invoice")
        cases = [
            (draft, "is draft: post it first"),
            (cancelled, "is cancelled: post it first"),
            (bill, "is not a customer invoice"),
        ]
        for move, message in cases:
            with self.subTest(move=move.display_name), self.assertRaises(UserError) as error:
                move.action_copy_payment_link()
            self.assertIn("only for posted customer invoices", str(error.exception))
            self.assertIn(move.display_name, str(error.exception))
            self.assertIn(message, str(error.exception))
        self.assertFalse(self.Link.search([("move_id", "in", (draft | cancelled | bill).ids)]))
        # One bad record in a selection names it and creates no link for the others.
        good = self._create_invoice()
        with self.assertRaises(UserError):
            (good | draft).action_copy_payment_link()
        self.assertFalse(self.Link.search([("move_id", "=", good.id)]))

    def test_credit_note_gets_a_link(self):
        refund = self._create_invoice(move_type="out_refund")
        self.assertTrue(refund._get_payment_links().token)

    def test_copy_action_returns_one_entry_per_invoice(self):
        invoices = self._create_invoices(3)
        action = invoices.action_copy_payment_link()
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertEqual(action["tag"], "islebooks_copy_payment_links")
        links = invoices.payment_link_ids
        self.assertEqual(
            action["params"]["links"],
            [
                {
                    "id": inv.payment_link_id.id,
                    "name": inv.name,
                    "url": inv.payment_link_id.url,
                    "company": inv.company_id.name,
                }
                for inv in invoices
            ],
        )
        self.assertEqual(len(links), 3)
        for entry in action["params"]["links"]:
            self.assertRegex(entry["url"], r"/pay/[A-Za-z0-9_-]{43}$")
        # The server action bound to invoices (Actions > Copy Invoice URL) runs the same code.
        server_action = self.env.ref(
            "islebooks_payment_links.account_move_action_copy_payment_link"
        )
        result = server_action.with_context(
            active_model="account.move", active_ids=invoices.ids, active_id=invoices[0].id
        ).run()
        self.assertEqual(result, action)

    def test_register_view(self):
        invoice = self._create_invoice()
        link = invoice._get_payment_links()
        self.assertFalse(invoice.payment_link_first_viewed_at)
        link._register_view()
        first = link.first_viewed_at
        self.assertTrue(first)
        link._register_view()
        self.assertEqual(link.view_count, 1, "a reload within a minute is the same view")
        age_last_view(link)
        link._register_view()
        self.assertEqual(link.view_count, 2)
        self.assertEqual(link.first_viewed_at, first)
        self.assertGreaterEqual(link.last_viewed_at, first)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_link_view_count, 2)
        self.assertEqual(invoice.payment_link_first_viewed_at, first)

    def test_multi_company_record_rule(self):
        company_b = self.setup_other_company(name="Company B")["company"]
        invoice_a = self._create_invoice()
        invoice_b = self._create_invoice(company=company_b)
        link_a = invoice_a._get_payment_links()
        link_b = invoice_b._get_payment_links()
        self.assertEqual(link_b.company_id, company_b)
        user_a = new_test_user(
            self.env,
            login="billing_a",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        Link = self.Link.with_user(user_a)
        self.assertEqual(Link.search([("id", "in", (link_a | link_b).ids)]), link_a)
        with self.assertRaises(AccessError):
            Link.browse(link_b.id).read(["url"])
        self.assertTrue(re.search(r"/pay/", Link.browse(link_a.id).url))
