"""Provider notifications settle once (issue #27, point 2).

A provider's "done" notification may arrive twice (a retried webhook, the
customer's status page and the post-processing job), and twice at the same
moment in two workers. Whatever the order: one ``account.payment``, the
invoices reconciled once, one receipt email. Real concurrent transactions
(each thread its own cursor, as two HTTP workers), no mocks of PostgreSQL.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests.common import tagged
from odoo.tools import mute_logger

from .test_concurrency import ConcurrencyCommon


@tagged("post_install", "-at_install")
class TestNotificationsSettleOnce(ConcurrencyCommon):
    invoice_count = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].browse(cls.partner_id)
            partner.email = f"settle-{cls.tag}@example.com"
            invoices = env["account.move"].browse(cls.invoice_ids)
            cls.invoice_link_id = invoices[0]._get_payment_links().id
            cls.portal_link_id = (
                env["islebooks.payment.link"]
                .with_company(invoices[0].company_id)
                ._get_or_create("portal", partner)
                .id
            )
            # Posting an online payment makes the provider's payment method
            # line (committed): removed again at the end.
            cls.method_line_ids = env["account.payment.method.line"].search([]).ids
            env.company.payment_link_receipt_email = True

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["islebooks.payment.link"].browse(cls.portal_link_id).unlink()
            # Odoo refuses to delete a line of an enabled provider through the ORM.
            cr.execute(
                "DELETE FROM account_payment_method_line WHERE id NOT IN %s",
                [tuple(cls.method_line_ids) or (0,)],
            )
        return super()._cleanup()

    def setUp(self):
        super().setUp()
        self.addCleanup(self._delete_payments)

    def _delete_payments(self):
        """Unpay the invoices: each test starts from the same open invoices."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            payments = env["account.payment"].search([("partner_id", "=", self.partner_id)])
            confirmations = env["islebooks.payment.confirmation"].search(
                [("partner_id", "=", self.partner_id)]
            )
            # The confirmations' hits on their link's limit were committed too.
            env["islebooks.payment.link.throttle"].search(
                [
                    (
                        "key",
                        "in",
                        [
                            f"confirm-link:{self.invoice_link_id}",
                            f"confirm-link:{self.portal_link_id}",
                        ],
                    )
                ]
            ).unlink()
            confirmations.unlink()
            mails = env["mail.mail"].search(
                [("model", "=", "account.payment"), ("res_id", "in", payments.ids)]
            )
            messages = mails.mail_message_id
            mails.unlink()
            messages.exists().unlink()
            payments.action_draft()
            payments.unlink()
            env["account.payment.register"].search([("partner_id", "=", self.partner_id)]).unlink()

    # ------------------------------------------------------------------
    # What the workers do
    # ------------------------------------------------------------------

    def _pending_transaction(self, invoice_ids, link_id):
        """A link payment of ``invoice_ids`` the customer submitted (committed)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse(invoice_ids)
            tx = env["payment.transaction"].create(
                {
                    "provider_id": env.ref("payment.payment_provider_demo").id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "reference": f"ISLE-ONCE-{uuid.uuid4().hex[:10]}",
                    "amount": sum(invoices.mapped("amount_residual")),
                    "currency_id": invoices[0].currency_id.id,
                    "partner_id": self.partner_id,
                    "invoice_ids": [Command.set(invoices.ids)],
                    "islebooks_payment_link_id": link_id,
                    "operation": "online_direct",
                }
            )
            tx._set_pending()
            return tx.reference

    def _pending_confirmation(self, invoice_ids, link_id):
        """The customer's "I have paid by bank transfer" of ``invoice_ids`` (committed)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse(invoice_ids)
            confirmation = env["islebooks.payment.confirmation"]._create_from_link(
                env["islebooks.payment.link"].browse(link_id),
                invoices,
                {
                    "amount": sum(invoices.mapped("amount_residual")),
                    "transfer_date": fields.Date.today(),
                },
            )
            confirmation.journal_id = env["account.journal"].search(
                [("company_id", "=", invoices.company_id.id), ("type", "=", "bank")], limit=1
            )
            return confirmation.id

    def _approve(self, confirmation_id, before=None):
        """Staff press Approve: one request, retried like Odoo's; a refusal
        (UserError) gives its message."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            if before:
                before(env)
            for _try in range(5):
                try:
                    env["islebooks.payment.confirmation"].browse(confirmation_id).action_approve()
                    env.flush_all()
                    return "approved"
                except SerializationFailure:
                    cr.rollback()
                    env.transaction.clear()
                except UserError as error:
                    cr.rollback()
                    return str(error)
            raise AssertionError("still failing after 5 tries")

    def _deliver_done(self, reference, before=None, post_process=True):
        """One worker receives the provider's "done" notification and
        post-processes the transaction (as the status page's poll or the
        payment job does next), in one request retried like Odoo's."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            if before:
                before(env)

            def deliver():
                tx = env["payment.transaction"]._handle_notification_data(
                    "demo", {"reference": reference, "simulated_state": "done"}
                )
                if post_process and not tx.is_post_processed:  # as /payment/status/poll
                    tx._post_process()
                return "delivered"

            return self._retrying(cr, env, deliver)

    def _post_process_at_once(self, reference):
        """The customer's status page and Odoo's payment job post-process a
        done transaction at the same moment, in two workers."""
        snapshot = threading.Barrier(2)

        def worker(job):
            with self.registry.cursor() as cr:
                env = self._env(cr)
                tx = env["payment.transaction"].search([("reference", "=", reference)])
                tx.read(["is_post_processed"])
                snapshot.wait(timeout=20)
                if job:
                    # Commits, or rolls back on a concurrent update and tries
                    # again at its next run (the one below).
                    tx._cron_post_process()
                    return "job"
                return self._retrying(cr, env, lambda: tx._post_process() or "page")

        with ThreadPoolExecutor(max_workers=2) as executor:
            results = [executor.submit(worker, job) for job in (False, True)]
            results = [future.result(timeout=60) for future in results]
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["payment.transaction"].search(
                [("reference", "=", reference), ("is_post_processed", "=", False)]
            )._cron_post_process()
        return results

    def _deliver_twice_at_once(self, reference):
        snapshot = threading.Barrier(2)

        def read_then_wait(env):
            # Both workers read the pending transaction before either writes.
            env["payment.transaction"].search([("reference", "=", reference)]).read(["state"])
            snapshot.wait(timeout=20)

        with ThreadPoolExecutor(max_workers=2) as executor:
            futures = [
                executor.submit(self._deliver_done, reference, read_then_wait) for _i in range(2)
            ]
            return [future.result(timeout=60) for future in futures]

    def _run_receipt_queue(self):
        """The receipt job, run by two workers at the same moment (a run
        triggered by each payment), then once more: one email per payment."""
        snapshot = threading.Barrier(2)

        def run(wait=True):
            with self.registry.cursor() as cr:
                env = self._env(cr)
                env["islebooks.payment.receipt"].search_count([])
                if wait:
                    snapshot.wait(timeout=20)
                env["islebooks.payment.receipt"]._cron_send_payment_receipts()

        with ThreadPoolExecutor(max_workers=2) as executor:
            for future in [executor.submit(run) for _i in range(2)]:
                future.result(timeout=60)
        run(wait=False)

    def _settlement(self, reference, invoice_ids):
        """What accounting and the customer's mailbox show."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tx = env["payment.transaction"].search([("reference", "=", reference)])
            invoices = env["account.move"].browse(invoice_ids)
            payments = env["account.payment"].search([("payment_transaction_id", "=", tx.id)])
            mails = env["mail.mail"].search(
                [("model", "=", "account.payment"), ("res_id", "in", payments.ids)]
            )
            return {
                "state": tx.state,
                "post_processed": tx.is_post_processed,
                "payments": len(payments),
                "posted": payments.mapped("state"),
                "paid": set(invoices.mapped("payment_state")),
                "residual": sum(invoices.mapped("amount_residual")),
                # Reconciled once: each invoice by this one payment, no more.
                "reconciled": [
                    invoice._get_reconciled_payments() == payments for invoice in invoices
                ],
                "partials": len(invoices.line_ids.matched_credit_ids),
                "receipts": len(mails),
                "receipt_to": mails.recipient_ids.mapped("email"),
                "messages": env["mail.message"].search_count(
                    [
                        ("model", "=", "account.payment"),
                        ("res_id", "in", payments.ids),
                        ("message_type", "=", "email_outgoing"),
                    ]
                ),
            }

    def _assert_settled_once(self, reference, invoice_ids):
        self._run_receipt_queue()
        outcome = self._settlement(reference, invoice_ids)
        self.assertEqual(outcome["state"], "done")
        self.assertTrue(outcome["post_processed"])
        self.assertEqual(outcome["payments"], 1, "one payment in accounting")
        self.assertIn(outcome["posted"], (["in_process"], ["paid"]))
        self.assertLessEqual(outcome["paid"], {"paid", "in_payment"})
        self.assertEqual(outcome["residual"], 0.0)
        self.assertEqual(outcome["reconciled"], [True] * len(invoice_ids))
        self.assertEqual(outcome["partials"], len(invoice_ids), "reconciled once")
        self.assertEqual(outcome["receipts"], 1, "one receipt email")
        self.assertEqual(outcome["messages"], 1)
        self.assertEqual(outcome["receipt_to"], [f"settle-{self.tag}@example.com"])

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    @mute_logger(
        "odoo.sql_db", "odoo.service.model", "odoo.addons.payment.models.payment_transaction"
    )
    def test_done_delivered_twice_one_after_the_other(self):
        reference = self._pending_transaction(self.invoice_ids[:1], self.invoice_link_id)
        self.assertEqual(self._deliver_done(reference), "delivered")
        self.assertEqual(self._deliver_done(reference), "delivered")
        # The payment job comes by as well, and the post-processing is asked again.
        with self.registry.cursor() as cr:
            env = self._env(cr)
            tx = env["payment.transaction"].search([("reference", "=", reference)])
            tx._cron_post_process()
            tx._post_process()
        self._assert_settled_once(reference, self.invoice_ids[:1])

    @mute_logger(
        "odoo.sql_db", "odoo.service.model", "odoo.addons.payment.models.payment_transaction"
    )
    def test_done_delivered_twice_at_once_one_invoice(self):
        reference = self._pending_transaction(self.invoice_ids[:1], self.invoice_link_id)
        self.assertEqual(self._deliver_twice_at_once(reference), ["delivered"] * 2)
        self._assert_settled_once(reference, self.invoice_ids[:1])

    @mute_logger(
        "odoo.sql_db", "odoo.service.model", "odoo.addons.payment.models.payment_transaction"
    )
    def test_done_delivered_twice_at_once_portal_payment_of_several_invoices(self):
        reference = self._pending_transaction(self.invoice_ids, self.portal_link_id)
        self.assertEqual(self._deliver_twice_at_once(reference), ["delivered"] * 2)
        self._assert_settled_once(reference, self.invoice_ids)

    def _confirmation(self, confirmation_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            confirmation = env["islebooks.payment.confirmation"].browse(confirmation_id)
            mails = env["mail.mail"].search(
                [("model", "=", "account.payment"), ("res_id", "in", confirmation.payment_ids.ids)]
            )
            return confirmation.state, len(confirmation.payment_ids), len(mails)

    @mute_logger(
        "odoo.sql_db", "odoo.service.model", "odoo.addons.payment.models.payment_transaction"
    )
    def test_post_processed_at_once_after_the_transfer_was_approved(self):
        """The customer paid by transfer (approved) and online as well: the online
        payment is recorded once (their credit), the invoices settled once.
        Nothing the online payment writes is an invoice here: the transaction's
        own lock keeps its post-processing single."""
        confirmation_id = self._pending_confirmation(self.invoice_ids, self.portal_link_id)
        reference = self._pending_transaction(self.invoice_ids, self.portal_link_id)
        self.assertEqual(self._approve(confirmation_id), "approved")
        # The provider's webhook (no post-processing), then the status page and the job.
        self.assertEqual(self._deliver_done(reference, post_process=False), "delivered")
        self.assertEqual(self._post_process_at_once(reference), ["page", "job"])
        self._run_receipt_queue()
        online = self._settlement(reference, self.invoice_ids)
        self.assertEqual(online["payments"], 1, "the online payment, once")
        self.assertEqual(online["reconciled"], [False, False], "not a second time")
        self.assertEqual(online["partials"], 2, "each invoice reconciled once")
        self.assertEqual(online["residual"], 0.0)
        self.assertEqual(online["receipts"], 1)
        self.assertEqual(self._confirmation(confirmation_id), ("approved", 1, 1))

    @mute_logger(
        "odoo.sql_db", "odoo.service.model", "odoo.addons.payment.models.payment_transaction"
    )
    def test_status_page_and_job_post_process_at_once(self):
        reference = self._pending_transaction(self.invoice_ids[:1], self.invoice_link_id)
        self.assertEqual(self._deliver_done(reference, post_process=False), "delivered")
        self.assertEqual(self._post_process_at_once(reference), ["page", "job"])
        self._assert_settled_once(reference, self.invoice_ids[:1])

    @mute_logger(
        "odoo.sql_db", "odoo.service.model", "odoo.addons.payment.models.payment_transaction"
    )
    def test_approval_while_the_online_payment_completes(self):
        """Staff approve the transfer while the provider's "done" of an online
        payment of the same invoices is processed: one of the two settles the
        invoices, the other is refused with a clear message or recorded as the
        customer's credit; never two settlements."""
        confirmation_id = self._pending_confirmation(self.invoice_ids, self.portal_link_id)
        reference = self._pending_transaction(self.invoice_ids, self.portal_link_id)
        snapshot = threading.Barrier(2)

        def read_then_wait(env):
            sum(env["account.move"].browse(self.invoice_ids).mapped("amount_residual"))
            snapshot.wait(timeout=20)

        with ThreadPoolExecutor(max_workers=2) as executor:
            review = executor.submit(self._approve, confirmation_id, read_then_wait)
            online = executor.submit(self._deliver_done, reference, read_then_wait)
            review_result = review.result(timeout=60)
            self.assertEqual(online.result(timeout=60), "delivered")
        self._run_receipt_queue()
        outcome = self._settlement(reference, self.invoice_ids)
        state, confirmation_payments, confirmation_receipts = self._confirmation(confirmation_id)
        self.assertEqual(outcome["payments"], 1, "the money received online, recorded once")
        self.assertEqual(outcome["receipts"], 1)
        self.assertEqual(outcome["residual"], 0.0)
        self.assertEqual(outcome["partials"], 2, "each invoice reconciled once")
        if review_result == "approved":
            # The transfer settled the invoices; the online payment is credit.
            self.assertEqual(outcome["reconciled"], [False, False])
            self.assertEqual(
                (state, confirmation_payments, confirmation_receipts), ("approved", 1, 1)
            )
        else:
            # The online payment settled them; the approval is refused, saying why.
            self.assertIn("no longer has anything to pay", review_result)
            self.assertEqual(outcome["reconciled"], [True, True])
            self.assertEqual(
                (state, confirmation_payments, confirmation_receipts), ("pending", 0, 0)
            )
