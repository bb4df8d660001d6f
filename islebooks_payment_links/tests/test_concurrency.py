import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api, fields
from odoo.api import Transaction
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestPaymentLinkConcurrency(BaseCase):
    """Real concurrent transactions: data is committed, then cleaned up.

    Each thread uses its own database cursor, as two HTTP workers would.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls._cleanup)
        cls.tag = uuid.uuid4().hex[:8]
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": f"Concurrent Customer {cls.tag}"})
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Boat trip", "price_unit": 250.0, "tax_ids": [Command.clear()]}
                        )
                    ],
                }
            )
            invoice.action_post()
            cls.partner_id, cls.invoice_id = partner.id, invoice.id

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(cls.invoice_id)
            invoice.transaction_ids.unlink()
            env["islebooks.payment.link.throttle"].search(
                [("address", "like", f"test-{cls.tag}%")]
            ).unlink()
            invoice.button_draft()
            invoice.payment_link_ids.unlink()
            invoice.with_context(force_delete=True).unlink()
            env["res.partner"].browse(cls.partner_id).unlink()

    def setUp(self):
        super().setUp()
        self.addCleanup(self._delete_transactions)

    def _delete_transactions(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["account.move"].browse(self.invoice_id).transaction_ids.unlink()

    def _env(self, cr):
        # The test runner holds the registry lock while tests run: give the
        # cursor its transaction here instead of letting Environment look the
        # registry up again (which would wait for that lock from a thread).
        cr.transaction = Transaction(self.registry)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _start_payment(self, env, hold=None):
        """What the transaction route does for one attempt, inside one request."""
        invoice = env["account.move"].browse(self.invoice_id)
        invoice._lock_for_link_payment()
        if hold:
            hold()
        provider = env.ref("payment.payment_provider_demo")
        tx = env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                "reference": f"ISLE-CONC-{uuid.uuid4().hex[:10]}",
                "amount": invoice.amount_residual,
                "currency_id": invoice.currency_id.id,
                "partner_id": invoice.partner_id.id,
                "invoice_ids": [Command.set(invoice.ids)],
            }
        )
        # The customer submits at once: the provider answers "pending".
        tx._set_pending()
        return tx.id

    def _attempt(self, before=None, hold=None):
        """One request: retried on serialization failures like Odoo's HTTP layer does.

        Returns the id of the transaction created, or the refusal's message.
        """
        with self.registry.cursor() as cr:
            env = self._env(cr)
            if before:
                before(env)
            for _try in range(5):
                try:
                    return self._start_payment(env, hold)
                except SerializationFailure:
                    # What Odoo's request loop (service.model.retrying) does;
                    # called directly it would wait for the test runner's
                    # registry lock from this thread.
                    cr.rollback()
                    env.transaction.clear()
                except ValidationError as error:
                    cr.rollback()
                    return str(error)
            raise AssertionError("still failing after 5 tries")

    def _transactions(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return env["account.move"].browse(self.invoice_id).transaction_ids

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_second_attempt_while_first_holds_the_lock(self):
        locked, release = threading.Event(), threading.Event()

        def first():
            def hold():
                locked.set()
                release.wait(timeout=10)

            return self._attempt(hold=hold)

        def second():
            locked.wait(timeout=10)
            try:
                return self._attempt()
            finally:
                release.set()

        with ThreadPoolExecutor(max_workers=2) as executor:
            future_1, future_2 = executor.submit(first), executor.submit(second)
            result_1, result_2 = future_1.result(timeout=30), future_2.result(timeout=30)
        self.assertIsInstance(result_1, int)
        self.assertIn("already being started", result_2)
        self.assertEqual(len(self._transactions()), 1)
        # Later attempts see the pending payment and are refused too.
        self.assertIn("being processed", self._attempt())
        self.assertEqual(len(self._transactions()), 1)

    def _settlement_setup(self):
        """A pending bank-transfer confirmation and a confirmed (not yet posted)
        online payment of the whole invoice, both committed."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.invoice_id)
            link = invoice._get_payment_links()
            # Posting the online payment makes the provider's payment method line
            # (committed): removed again so that no other test finds it.
            method_lines = env["account.payment.method.line"].search([]).ids
            journal = env["account.journal"].search(
                [("company_id", "=", invoice.company_id.id), ("type", "=", "bank")], limit=1
            )
            tx = env["payment.transaction"].create(
                {
                    "provider_id": env.ref("payment.payment_provider_demo").id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "reference": f"ISLE-SETTLE-{uuid.uuid4().hex[:10]}",
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "islebooks_payment_link_id": link.id,
                }
            )
            tx._set_done()
            confirmation = env["islebooks.payment.confirmation"]._create_from_link(
                link,
                invoice,
                {"amount": invoice.amount_residual, "transfer_date": fields.Date.today()},
            )
            confirmation.journal_id = journal
            ids = tx.id, confirmation.id
        self.addCleanup(self._settlement_cleanup, *ids, method_lines)
        return ids

    def _settlement_cleanup(self, tx_id, confirmation_id, method_lines):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            confirmation = env["islebooks.payment.confirmation"].browse(confirmation_id)
            tx = env["payment.transaction"].browse(tx_id)
            payments = confirmation.payment_ids | tx.payment_id
            # The confirmation's hit on its link's limit was committed too.
            env["islebooks.payment.link.throttle"].search(
                [("address", "=", f"confirm-link:{confirmation.link_id.id}")]
            ).unlink()
            confirmation.unlink()
            payments.action_draft()
            payments.unlink()
            # The approval's payment wizard (transient) names the customer.
            env["account.payment.register"].search([("partner_id", "=", self.partner_id)]).unlink()
            # Odoo refuses to delete a line of an enabled provider through the ORM.
            cr.execute(
                "DELETE FROM account_payment_method_line WHERE id NOT IN %s",
                [tuple(method_lines) or (0,)],
            )

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_confirmation_and_online_payment_settle_the_invoice_once(self):
        tx_id, confirmation_id = self._settlement_setup()
        snapshot_taken, approved = threading.Event(), threading.Event()

        def post_online_payment():
            """The provider's notification, read before the approval committed."""
            with self.registry.cursor() as cr:
                env = self._env(cr)
                env["account.move"].browse(self.invoice_id).amount_residual  # noqa: B018
                snapshot_taken.set()
                approved.wait(timeout=20)
                for _try in range(5):
                    try:
                        env["payment.transaction"].browse(tx_id)._post_process()
                        env.flush_all()
                        return "posted"
                    except SerializationFailure:
                        cr.rollback()
                        env.transaction.clear()
                raise AssertionError("still failing after 5 tries")

        def approve():
            snapshot_taken.wait(timeout=20)
            try:
                with self.registry.cursor() as cr:
                    env = self._env(cr)
                    env["islebooks.payment.confirmation"].browse(confirmation_id).action_approve()
                return "approved"
            finally:
                approved.set()

        with ThreadPoolExecutor(max_workers=2) as executor:
            online = executor.submit(post_online_payment)
            review = executor.submit(approve)
            self.assertEqual(review.result(timeout=60), "approved")
            self.assertEqual(online.result(timeout=60), "posted")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.invoice_id)
            confirmation = env["islebooks.payment.confirmation"].browse(confirmation_id)
            tx = env["payment.transaction"].browse(tx_id)
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            # Settled once, by the approved transfer; the online payment is on
            # record (the customer's credit), not reconciled a second time.
            self.assertEqual(invoice._get_reconciled_payments(), confirmation.payment_ids)
            self.assertTrue(tx.payment_id)
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
            self.assertNotIn(tx.payment_id, invoice._get_reconciled_payments())

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_attempt_with_an_older_snapshot_is_retried_and_refused(self):
        snapshot_taken, first_done = threading.Event(), threading.Event()

        def stale(env):
            # This request read the invoice before the other one committed.
            env["account.move"].browse(self.invoice_id).amount_residual  # noqa: B018
            snapshot_taken.set()
            first_done.wait(timeout=10)

        def first():
            snapshot_taken.wait(timeout=10)
            try:
                return self._attempt()
            finally:
                first_done.set()

        with ThreadPoolExecutor(max_workers=2) as executor:
            future_stale = executor.submit(self._attempt, stale)
            future_first = executor.submit(first)
            result_first = future_first.result(timeout=30)
            result_stale = future_stale.result(timeout=30)
        self.assertIsInstance(result_first, int)
        self.assertIn("being processed", result_stale)
        self.assertEqual(len(self._transactions()), 1)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_simultaneous_attempts_make_one_transaction(self):
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(max_workers=2) as executor:
            futures = [
                executor.submit(self._attempt, lambda env: barrier.wait(timeout=10))
                for _i in range(2)
            ]
            results = [future.result(timeout=60) for future in futures]
        self.assertEqual(sum(isinstance(result, int) for result in results), 1, results)
        self.assertEqual(len(self._transactions()), 1)

    def test_throttle_counter_is_shared_by_workers(self):
        address = f"test-{self.tag}-worker"
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.config_parameter"].set_param("islebooks_payment_links.throttle_max_failures", 3)
        try:
            # "Worker 1" counts failures; each count is committed at once.
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                for _i in range(3):
                    env["islebooks.payment.link.throttle"]._register_failure(address)
                cr.rollback()  # even if worker 1's own request fails
            # "Worker 2", another connection, sees the address blocked.
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                retry_after = env["islebooks.payment.link.throttle"]._lookup_retry_after(address)
                self.assertGreater(retry_after, 0)
                self.assertLessEqual(retry_after, 600)
                self.assertEqual(
                    env["islebooks.payment.link.throttle"]._lookup_retry_after(
                        f"test-{self.tag}-x"
                    ),
                    0,
                )
        finally:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["ir.config_parameter"].search(
                    [("key", "=", "islebooks_payment_links.throttle_max_failures")]
                ).unlink()
                env["islebooks.payment.link.throttle"].search(
                    [("address", "like", f"test-{self.tag}%")]
                ).unlink()
