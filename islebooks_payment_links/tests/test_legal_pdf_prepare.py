"""Legal PDFs prepared in the background when a link is handed out.

The staff action only queues the invoices (a flag and a cron trigger); the
cron renders their legal PDFs the way Print does, so the customer's first
Download PDF finds the stored document instead of waiting for wkhtmltopdf.
"""

from contextlib import contextmanager
from types import SimpleNamespace

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentLinksCommon

CRON = "islebooks_payment_links.ir_cron_prepare_legal_pdfs"


@tagged("post_install", "-at_install")
class TestLegalPdfPrepare(PaymentLinksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.whatsapp = "+960 777 1234"

    @contextmanager
    def _new_triggers(self):
        """``.records``: the triggers of the cron created inside the block."""
        Trigger = self.env["ir.cron.trigger"].sudo()
        domain = [("cron_id", "=", self.env.ref(CRON).id)]
        before = Trigger.search(domain)
        created = SimpleNamespace(records=Trigger)
        yield created
        created.records = Trigger.search(domain) - before

    def _queued(self, invoices):
        """Whether each invoice's legal PDF is queued for the job."""
        queue = self.env["islebooks.payment.link.pdf"].sudo().search([])
        return [invoice in queue.move_id for invoice in invoices]

    def _stored_pdf(self, invoices):
        invoices.invalidate_recordset()
        return invoices.mapped("invoice_pdf_report_id")

    def test_copy_invoice_url_queues_and_the_cron_renders(self):
        invoices = self._create_invoices(3)
        with self._new_triggers() as triggers:
            invoices.action_copy_payment_link()
        # Nothing rendered inside the staff action: only queued, the cron triggered.
        self.assertFalse(self._stored_pdf(invoices))
        self.assertEqual(self._queued(invoices), [True] * 3)
        self.assertEqual(len(triggers.records), 1)
        self.env["account.move"]._cron_prepare_legal_pdfs()
        pdfs = self._stored_pdf(invoices)
        self.assertEqual(len(pdfs), 3, "each invoice now has its stored legal PDF")
        self.assertEqual(set(pdfs.mapped("res_field")), {"invoice_pdf_report_file"})
        self.assertEqual(self._queued(invoices), [False] * 3)
        # Copying again queues nothing: the PDFs exist.
        with self._new_triggers() as triggers:
            invoices.action_copy_payment_link()
        self.assertFalse(triggers.records)
        self.assertFalse(any(self._queued(invoices)))

    def test_a_batch_that_cannot_render_does_not_block_the_queue(self):
        invoices = self._create_invoices(2)
        invoices.action_copy_payment_link()
        # The invoice report broken (as when wkhtmltopdf or a template fails).
        report = self.env.ref("account.account_invoices").sudo()
        report.report_name = "islebooks_payment_links.no_such_template"
        with mute_logger("odoo.addons.islebooks_payment_links.models.account_move_legal_pdf"):
            # Both as one batch, then each alone: every attempt fails.
            self.env["account.move"]._cron_prepare_legal_pdfs(batch_size=2)
        self.assertFalse(self._stored_pdf(invoices))
        # Left for the download to render on demand, not retried forever.
        self.assertFalse(any(self._queued(invoices)))

    def test_real_pdfs_of_a_batch_are_each_stored(self):
        # Real wkhtmltopdf: Debian's build prints one document per call, so a
        # batch of two fails there as a whole and each invoice is rendered alone.
        invoices = self._create_invoices(2)
        invoices.action_copy_payment_link()
        with mute_logger("odoo.addons.islebooks_payment_links.models.account_move_legal_pdf"):
            self.env["account.move"].with_context(
                force_report_rendering=True
            )._cron_prepare_legal_pdfs(batch_size=2)
        pdfs = self._stored_pdf(invoices)
        self.assertEqual(len(pdfs), 2, "each invoice has its own stored legal PDF")
        self.assertEqual(pdfs.mapped("res_id"), invoices.ids)
        for pdf in pdfs:
            self.assertTrue(pdf.raw.startswith(b"%PDF"), pdf.name)
        self.assertNotEqual(pdfs[0].raw, pdfs[1].raw)
        self.assertFalse(any(self._queued(invoices)))

    def test_cron_renders_in_batches(self):
        invoices = self._create_invoices(5)
        invoices.action_copy_payment_link()
        # A call under the cron stops once its time budget is spent: with none
        # at all, one batch still goes, and the rest is reported to Odoo's
        # runner, which calls again (ir.cron._run_job).
        self.env["ir.config_parameter"].sudo().set_param(
            "islebooks_payment_links.job_pass_seconds", "0"
        )
        _cron, progress = self.env.ref(CRON).sudo()._add_progress()
        self.env["account.move"].with_context(
            ir_cron_progress_id=progress.id
        )._cron_prepare_legal_pdfs(batch_size=2)
        self.assertEqual(len(self._stored_pdf(invoices)), 2)
        self.assertEqual(sum(self._queued(invoices)), 3)
        self.assertEqual((progress.done, progress.remaining), (2, 3))
        # Called directly (no cron, no budget), it renders them all.
        self.env["account.move"]._cron_prepare_legal_pdfs(batch_size=2)
        self.assertEqual(len(self._stored_pdf(invoices)), 5)

    def test_cron_budget_one_invoice_at_a_time(self):
        # Debian's wkhtmltopdf path (one invoice per render): past the budget,
        # the first invoice of the batch is stored and the others stay queued.
        invoices = self._create_invoices(3)
        invoices.action_copy_payment_link()
        self.env["ir.config_parameter"].sudo().set_param(
            "islebooks_payment_links.job_pass_seconds", "0"
        )
        _cron, progress = self.env.ref(CRON).sudo()._add_progress()
        with mute_logger("odoo.addons.islebooks_payment_links.models.account_move_legal_pdf"):
            self.env["account.move"].with_context(
                ir_cron_progress_id=progress.id, force_report_rendering=True
            )._cron_prepare_legal_pdfs(batch_size=3)
        stored = self._stored_pdf(invoices)
        # Debian's build: the first alone, the others left; a patched build
        # renders the batch of three at once.
        expected = 3 if len(stored) == 3 else 1
        self.assertEqual(stored.mapped("res_id"), invoices[:expected].ids)
        self.assertEqual(sum(self._queued(invoices)), 3 - expected)
        self.assertEqual((progress.done, progress.remaining), (expected, 3 - expected))

    def test_send_via_whatsapp_queues(self):
        invoice = self._create_invoice()
        with self._new_triggers() as triggers:
            invoice.action_send_whatsapp()
        self.assertFalse(self._stored_pdf(invoice))
        self.assertTrue(self._queued(invoice)[0])
        self.assertEqual(len(triggers.records), 1)

    def test_customer_portal_link_queues_open_invoices_only(self):
        open_invoices = self._create_invoices(2)
        paid = self._create_invoice()
        self._pay_in_full(paid)
        draft = self._create_invoice(post=False)
        other = self._create_invoice(partner=self.partner_b)
        with self._new_triggers() as triggers:
            self.customer.action_generate_payment_link()
        self.assertEqual(len(triggers.records), 1)
        self.assertEqual(self._queued(open_invoices), [True, True])
        self.assertFalse(self._queued(paid)[0])
        self.assertFalse(self._queued(draft)[0])
        self.assertFalse(self._queued(other)[0], "another customer's invoice")
        self.env["account.move"]._cron_prepare_legal_pdfs()
        self.assertEqual(len(self._stored_pdf(open_invoices)), 2)
        self.assertFalse(self._stored_pdf(paid | draft | other))

    def test_printed_invoice_is_not_queued(self):
        invoice = self._create_invoice()
        invoice._get_legal_pdf()
        self.assertTrue(self._stored_pdf(invoice))
        with self._new_triggers() as triggers:
            invoice.action_copy_payment_link()
        self.assertFalse(triggers.records)
        self.assertFalse(self._queued(invoice)[0])

    def test_invoice_reset_to_draft_meanwhile_gets_no_pdf(self):
        invoice = self._create_invoice()
        invoice.action_copy_payment_link()
        invoice.button_draft()
        self.env["account.move"]._cron_prepare_legal_pdfs()
        self.assertFalse(self._stored_pdf(invoice), "a draft has no legal document")
        self.assertFalse(self._queued(invoice)[0], "and leaves the queue")

    def test_queueing_cost_does_not_grow_with_the_invoices(self):
        warm_up, one, many = (self._create_invoices(n) for n in (1, 1, 20))
        Move = self.env["account.move"]
        warm_up._prepare_legal_pdfs_later()
        counts = []
        for invoices in (one, many):
            invoices = Move.browse(invoices.ids)
            self.env.invalidate_all()
            queries = self.env.cr.sql_log_count
            invoices._prepare_legal_pdfs_later()
            counts.append(self.env.cr.sql_log_count - queries)
        self.assertLessEqual(counts[1], counts[0], f"1 invoice: {counts[0]}, 20: {counts[1]}")
