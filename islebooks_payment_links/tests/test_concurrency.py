import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from unittest.mock import patch

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api, fields
from odoo.api import Transaction
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

CRON = "islebooks_payment_links.ir_cron_prepare_legal_pdfs"


class ConcurrencyCommon(BaseCase):
    """Real concurrent transactions: data is committed, then cleaned up.

    Each thread uses its own database cursor, as two HTTP workers (or an HTTP
    worker and the cron worker) would.
    """

    invoice_count = 1

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls._cleanup)
        cls.tag = uuid.uuid4().hex[:8]
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": f"Concurrent Customer {cls.tag}"})
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Boat trip",
                                    "price_unit": 250.0,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for _i in range(cls.invoice_count)
                ]
            )
            invoices.action_post()
            cls.partner_id, cls.invoice_ids = partner.id, invoices.ids
            cls.invoice_id = invoices.ids[0]

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse(cls.invoice_ids)
            invoices.transaction_ids.unlink()
            env["islebooks.payment.link.throttle"].search(
                [("key", "like", f"test-{cls.tag}%")]
            ).unlink()
            invoices.button_draft()
            invoices.payment_link_ids.unlink()
            env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "in", invoices.ids)]
            ).unlink()
            invoices.with_context(force_delete=True).unlink()
            env["res.partner"].browse(cls.partner_id).unlink()

    def setUp(self):
        super().setUp()
        self.addCleanup(self._delete_transactions)

    def _delete_transactions(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["account.move"].browse(self.invoice_ids).transaction_ids.unlink()

    def _env(self, cr):
        # The test runner holds the registry lock while tests run: give the
        # cursor its transaction here instead of letting Environment look the
        # registry up again (which would wait for that lock from a thread).
        cr.transaction = Transaction(self.registry)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _start_payment(self, env, hold=None, invoice_id=None):
        """What the transaction route does for one attempt, inside one request."""
        invoice = env["account.move"].browse(invoice_id or self.invoice_id)
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

    def _retrying(self, cr, env, func):
        """``func()`` in a request: retried on serialization failures like
        Odoo's HTTP layer does; a refusal (ValidationError) gives its message."""
        for _try in range(5):
            try:
                result = func()
                env.flush_all()  # inside the retried part, as Odoo's request loop does
                return result
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

    def _attempt(self, before=None, hold=None, invoice_id=None):
        """One payment request. Returns the id of the transaction created, or
        the refusal's message."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            if before:
                before(env)
            return self._retrying(
                cr, env, lambda: self._start_payment(env, hold, invoice_id=invoice_id)
            )


@tagged("post_install", "-at_install")
class TestPaymentLinkConcurrency(ConcurrencyCommon):
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
                    # As the payment form makes it (Odoo reconciles the
                    # payment with the invoices of such a transaction only).
                    "operation": "online_direct",
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
                [("key", "=", f"confirm-link:{confirmation.link_id.id}")]
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
                    [("key", "like", f"test-{self.tag}%")]
                ).unlink()


@tagged("post_install", "-at_install")
class TestJobsNeverHoldAPayment(ConcurrencyCommon):
    """Locks are for writes, not for work: while the addon's background work
    (legal PDFs, links handed out) works on an invoice, a payment of that
    invoice starts at once; "Please wait" only means another payment."""

    invoice_count = 3

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.triggers_before = env["ir.cron.trigger"].search([]).ids
            env["account.move"].browse(self.invoice_ids)._prepare_legal_pdfs_later()
        self.addCleanup(self._job_cleanup)
        # Odoo's renderer, held in the threads that ask for it (the job's, the
        # download's) until ``release``: the database is not patched.
        self.hold_render = threading.local()
        self.rendering, self.release = threading.Event(), threading.Event()
        self.render_timed_out = False
        Report = self.registry["ir.actions.report"]
        render = Report._pre_render_qweb_pdf
        test = self

        def held_render(report, *args, **kwargs):
            if getattr(test.hold_render, "active", False):
                test.rendering.set()
                if not test.release.wait(timeout=30):
                    test.render_timed_out = True
            return render(report, *args, **kwargs)

        patcher = patch.object(Report, "_pre_render_qweb_pdf", held_render)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _job_cleanup(self):
        self.release.set()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse(self.invoice_ids)
            env["ir.attachment"].search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", invoices.ids),
                    ("res_field", "=", "invoice_pdf_report_file"),
                ]
            ).unlink()
            invoices.write({"message_main_attachment_id": False, "is_move_sent": False})
            env["islebooks.payment.link.pdf"].search([("move_id", "in", invoices.ids)]).unlink()
            cron = env.ref(CRON)
            env["ir.cron.trigger"].search(
                [("cron_id", "=", cron.id), ("id", "not in", self.triggers_before)]
            ).unlink()
            env["ir.cron.progress"].search([("cron_id", "=", cron.id)]).unlink()

    def _run_job(self, hold=False):
        """One call of the job as ir.cron makes it: its own transaction, its
        progress record, committed at the end."""
        self.hold_render.active = hold
        try:
            with self.registry.cursor() as cr:
                env = self._env(cr)
                _cron, progress = env.ref(CRON)._add_progress()
                env["account.move"].with_context(
                    ir_cron_progress_id=progress.id
                )._cron_prepare_legal_pdfs(batch_size=20)
        finally:
            self.hold_render.active = False

    def _download(self, invoice_id, hold=False):
        """The customer's first Download PDF: one request, retried like Odoo does."""
        self.hold_render.active = hold
        try:
            with self.registry.cursor() as cr:
                env = self._env(cr)
                invoice = env["account.move"].browse(invoice_id)
                return self._retrying(cr, env, lambda: invoice._get_legal_pdf().id)
        finally:
            self.hold_render.active = False

    def _state(self):
        """``(stored, queued)``: the invoices with a stored legal PDF, the queued ones."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse(self.invoice_ids)
            queue = env["islebooks.payment.link.pdf"].search([("move_id", "in", invoices.ids)])
            stored = invoices.filtered("invoice_pdf_report_id")
            return set(stored.ids), set(queue.move_id.ids)

    def _pdf_count(self, invoice_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return env["ir.attachment"].search_count(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", invoice_id),
                    ("res_field", "=", "invoice_pdf_report_file"),
                ]
            )

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_payment_starts_while_the_job_renders_its_invoice(self):
        with ThreadPoolExecutor(max_workers=1) as executor:
            job = executor.submit(self._run_job, True)
            self.assertTrue(self.rendering.wait(timeout=30), "the job renders the batch")
            try:
                result = self._attempt(invoice_id=self.invoice_id)
                job_still_rendering = not job.done()
            finally:
                self.release.set()
            job.result(timeout=60)
        self.assertIsInstance(result, int, "the payment starts while the job renders")
        self.assertTrue(job_still_rendering)
        self.assertFalse(self.render_timed_out, "nobody waited for the job's render")
        # The payment wrote the invoice's row meanwhile: the job stored the others
        # and left it queued, coming back for it shortly.
        stored, queued = self._state()
        self.assertEqual(stored, set(self.invoice_ids[1:]))
        self.assertEqual(queued, {self.invoice_id})
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            retry = env["ir.cron.trigger"].search(
                [("cron_id", "=", env.ref(CRON).id), ("id", "not in", self.triggers_before)]
            )
            self.assertTrue(retry.filtered(lambda t: t.call_at > fields.Datetime.now()))
        self._run_job()
        self.assertEqual(self._state(), (set(self.invoice_ids), set()))
        self.assertEqual(self._pdf_count(self.invoice_id), 1)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_payment_starts_while_the_customer_downloads_the_first_pdf(self):
        with ThreadPoolExecutor(max_workers=1) as executor:
            download = executor.submit(self._download, self.invoice_id, True)
            self.assertTrue(self.rendering.wait(timeout=30), "the download renders the PDF")
            try:
                result = self._attempt(invoice_id=self.invoice_id)
                download_still_rendering = not download.done()
            finally:
                self.release.set()
            attachment_id = download.result(timeout=60)
        self.assertIsInstance(result, int, "the payment starts while the PDF renders")
        self.assertTrue(download_still_rendering)
        self.assertFalse(self.render_timed_out, "nobody waited for the download's render")
        self.assertTrue(attachment_id, "the customer gets the legal PDF")
        self.assertEqual(self._pdf_count(self.invoice_id), 1)
        stored, queued = self._state()
        self.assertIn(self.invoice_id, stored)
        self.assertNotIn(self.invoice_id, queued, "a PDF the download stored leaves the queue")

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_a_download_waits_for_the_job_rendering_the_same_pdf(self):
        """One transaction renders a PDF: the download waits for the job's and
        serves that one (no second rendering, no second attachment)."""
        with ThreadPoolExecutor(max_workers=2) as executor:
            job = executor.submit(self._run_job, True)
            self.assertTrue(self.rendering.wait(timeout=30))
            download = executor.submit(self._download, self.invoice_id)
            try:
                download_waits = not download.done()
            finally:
                self.release.set()
            job.result(timeout=60)
            attachment_id = download.result(timeout=60)
        self.assertTrue(download_waits)
        self.assertTrue(attachment_id)
        self.assertEqual(self._state(), (set(self.invoice_ids), set()))
        for invoice_id in self.invoice_ids:
            self.assertEqual(self._pdf_count(invoice_id), 1)

    @contextmanager
    def _invoice_row_held(self, invoice_id, wait=30):
        """Another transaction writing ``invoice_id``'s row, not finished while the block
        runs (it gives up after ``wait`` seconds). The dict yielded says afterwards, under
        ``released_in_time``, whether the block ended before that transaction gave up."""
        held, done = threading.Event(), threading.Event()
        outcome = {}

        def hold_invoice():
            with self.registry.cursor() as cr:
                cr.execute(
                    "UPDATE account_move SET write_date = write_date WHERE id = %s", [invoice_id]
                )
                held.set()
                outcome["released_in_time"] = done.wait(timeout=wait)
                cr.rollback()

        with ThreadPoolExecutor(max_workers=1) as executor:
            holder = executor.submit(hold_invoice)
            self.assertTrue(held.wait(timeout=30))
            try:
                yield outcome
            finally:
                done.set()
            holder.result(timeout=wait + 30)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_job_skips_an_invoice_another_transaction_holds(self):
        with self._invoice_row_held(self.invoice_ids[1]) as outcome:
            self._run_job()
        self.assertTrue(outcome["released_in_time"], "the job did not wait for the row")
        stored, queued = self._state()
        self.assertEqual(stored, {self.invoice_ids[0], self.invoice_ids[2]})
        self.assertEqual(queued, {self.invoice_ids[1]}, "still queued")
        # A later run (the one the job scheduled) prepares it.
        self._run_job()
        self.assertEqual(self._state(), (set(self.invoice_ids), set()))

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_payment_starts_while_a_long_action_hands_out_its_link(self):
        """Staff actions and the reminders job hand out links (queueing the legal
        PDFs) then go on working (messages, emails): the invoice is not held."""
        outcome = {}
        handed_out, done = threading.Event(), threading.Event()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["islebooks.payment.link.pdf"].search([("move_id", "in", self.invoice_ids)]).unlink()

        def long_action():
            with self.registry.cursor() as cr:
                env = self._env(cr)
                links = env["account.move"].browse(self.invoice_ids)._get_payment_links()
                env.flush_all()
                outcome["queued"] = env["islebooks.payment.link.pdf"].search_count(
                    [("move_id", "in", links.move_id.ids)]
                )
                handed_out.set()
                done.wait(timeout=30)  # rendering messages, emailing...

        with ThreadPoolExecutor(max_workers=1) as executor:
            action = executor.submit(long_action)
            self.assertTrue(handed_out.wait(timeout=30))
            try:
                result = self._attempt(invoice_id=self.invoice_ids[2])
                action_still_working = not action.done()
            finally:
                done.set()
            action.result(timeout=60)
        self.assertEqual(outcome["queued"], 3, "the action queued the invoices' PDFs")
        self.assertIsInstance(result, int)
        self.assertTrue(action_still_working)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_please_wait_only_for_another_payment(self):
        """The job renders, a first payment of the invoice is being started:
        the second attempt is told to wait (another payment, not the job)."""
        locked, release_payment = threading.Event(), threading.Event()

        def first():
            def hold():
                locked.set()
                release_payment.wait(timeout=30)

            return self._attempt(hold=hold, invoice_id=self.invoice_id)

        with ThreadPoolExecutor(max_workers=2) as executor:
            job = executor.submit(self._run_job, True)
            self.assertTrue(self.rendering.wait(timeout=30))
            payment = executor.submit(first)
            try:
                self.assertTrue(locked.wait(timeout=30))
                second = self._attempt(invoice_id=self.invoice_id)
            finally:
                release_payment.set()
                self.release.set()
            first_result = payment.result(timeout=60)
            job.result(timeout=60)
        self.assertIsInstance(first_result, int)
        self.assertIn("already being started", second)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_payment_waits_briefly_for_a_row_held_long(self):
        """A transaction holding the invoice's row for long (not one of the
        addon's jobs any more): the payment start waits a few seconds at most,
        then says the invoice is being updated, not "Please wait"."""
        with self._invoice_row_held(self.invoice_id, wait=60) as outcome:
            result = self._attempt(invoice_id=self.invoice_id)
        self.assertTrue(outcome["released_in_time"])
        self.assertIn("being updated", result)
        self.assertNotIn("Please wait", result)
