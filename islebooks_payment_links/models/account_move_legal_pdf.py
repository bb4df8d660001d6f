import logging
import subprocess
import threading
from datetime import timedelta

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL, config

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..tools.constants import CUSTOMER_MOVE_TYPES, OPEN_PAYMENT_STATES
from ..tools.jobs import job_deadline, past
from ..tools.locks import (
    LEGAL_PDF_QUEUE,
    LEGAL_PDF_RENDER,
    check_unchanged_rows,
    take_free_rows,
    try_advisory_locks,
    wait_advisory_locks,
)

_logger = logging.getLogger(__name__)

# A queued invoice the job found held by another transaction is tried again
# this much later (the job's own schedule is daily).
RETRY_HELD = timedelta(minutes=1)

_wkhtmltopdf_prints_batches = None


def wkhtmltopdf_prints_batches():
    """Whether this server's wkhtmltopdf prints several documents in one call.

    The patched build ("0.12.6 (with patched qt)") does; Debian's unpatched
    one fails on a batch as a whole, after rendering it. Asked once per process.
    """
    global _wkhtmltopdf_prints_batches  # noqa: PLW0603  pylint: disable=global-statement
    if _wkhtmltopdf_prints_batches is None:
        try:
            found = subprocess.run(
                [_get_wkhtmltopdf_bin(), "--version"], capture_output=True, timeout=30, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            found = b""
        _wkhtmltopdf_prints_batches = b"patched qt" in found
    return _wkhtmltopdf_prints_batches


class RowsHeld(Exception):
    """Rendered, but these moves' rows were held or changed by another
    transaction when it came to storing their PDFs: nothing was stored."""

    def __init__(self, moves):
        super().__init__(moves.ids)
        self.moves = moves


class AccountMove(models.Model):
    """The invoice's legal PDF: downloaded by the customer, prepared ahead by a job.

    Locks are for writes, not for work (``tools/locks.py``): rendering holds no
    invoice row, only an advisory lock saying "one transaction renders this
    PDF", which no payment takes; the invoice row is written by one short write
    that stores the PDF.
    """

    _inherit = "account.move"

    # ------------------------------------------------------------------
    # The customer's download
    # ------------------------------------------------------------------

    def _has_legal_pdf(self):
        """Whether ``_get_legal_pdf`` gives a document: a stored PDF, or a posted
        invoice (generated on request). A cancelled invoice has none: Odoo's
        cancel resets it to draft, which detaches its PDF."""
        self.ensure_one()
        # A posted invoice always has one: no attachment lookup on its page.
        return self.state == "posted" or bool(self.sudo().invoice_pdf_report_id)

    def _get_legal_pdf(self):
        """The invoice's legal PDF attachment, generated the way Print does if missing.

        Odoo's portal falls back to a pro-forma for an invoice never printed or
        sent; a customer paying through a link gets the real document instead.
        """
        self.ensure_one()
        if not self.invoice_pdf_report_id and self.state != "posted":
            # A draft or cancelled invoice never printed has no legal document.
            return self.env["ir.attachment"]
        return self._get_legal_pdfs()[0]

    def _get_legal_pdfs(self):
        """Legal PDF of each move, in order: the batch version of ``_get_legal_pdf``.

        Stored PDFs are read with a bounded number of queries; missing ones are
        generated in one batch, the way Print does. Only one transaction renders
        a move's PDF: one rendering it now (the job, another download) is waited
        for on an advisory lock. No invoice row is locked while rendering, so a
        customer downloading never holds up a payment of the invoice.
        """
        missing = self.filtered(lambda move: not move.invoice_pdf_report_id)
        if missing:
            wait_advisory_locks(self.env.cr, LEGAL_PDF_RENDER, missing.ids)
            # Stored meanwhile by the transaction waited for: its write is newer
            # than this request's snapshot, so the request fails to serialize and
            # Odoo retries it with a snapshot that shows the stored PDF.
            check_unchanged_rows(self.env.cr, "account_move", missing.ids)
            missing.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
            missing = missing.filtered(lambda move: not move.invoice_pdf_report_id)
            if missing:
                self.env["account.move.send"].sudo()._generate_and_send_invoices(
                    missing.sudo(), sending_methods=["manual"]
                )
                missing._dequeue_legal_pdfs()
        moves = self.sudo()
        return [move.invoice_pdf_report_id for move in moves]

    def _get_legal_documents(self):
        """Every legal document of these moves, in order, as Odoo's
        ``_get_invoice_legal_documents_all`` gives them (``[{"filename",
        "filetype", "content"}]``): the legal PDF and, when the company issues
        one, the e-invoice XML (UBL/CII, or a localisation's).

        Odoo's method falls back to a pro-forma when the PDF is missing;
        ``_get_legal_pdfs`` prepares the real one first (the e-invoice XML is
        made in the same run), so the fallback is never taken.
        """
        self._get_legal_pdfs()
        return [
            doc for move in self.sudo() for doc in move._get_invoice_legal_documents_all() or []
        ]

    def _get_einvoice_attachments(self):
        """The e-invoice XML attachments of this move (sudo): Odoo's legal
        documents (``account.move.send._get_invoice_extra_attachments``, the
        list ``_get_invoice_legal_documents_all`` reads) but the PDF. Empty
        for a cancelled or draft invoice: Odoo detaches them on reset."""
        self.ensure_one()
        if self.state != "posted":
            return self.env["ir.attachment"]
        attachments = (
            self.env["account.move.send"].sudo()._get_invoice_extra_attachments(self.sudo())
        )
        return attachments.filtered(lambda attachment: "xml" in (attachment.mimetype or ""))

    def _get_einvoice_document(self):
        """The e-invoice XML as a ``{"filename", "filetype", "content"}`` of
        Odoo's ``_get_invoice_legal_documents_all``, or None."""
        self.ensure_one()
        if self.state != "posted":
            return None
        return next(
            (
                doc
                for doc in self.sudo()._get_invoice_legal_documents_all() or []
                if "xml" in (doc["filetype"] or "")
            ),
            None,
        )

    # ------------------------------------------------------------------
    # Legal PDFs prepared ahead (in the background, in batches)
    # ------------------------------------------------------------------

    def _prepare_legal_pdfs_later(self, partners=None, company=None):
        """Queue the legal PDF of these moves (or, with ``partners``, of the open
        invoices of those commercial partners in ``company``) for the job, so the
        customer's first click on Download PDF finds it stored (like Odoo's Send &
        Print ``sending_data``).

        One INSERT into ``islebooks.payment.link.pdf``, whatever the number of
        invoices: only posted customer documents without a stored legal PDF are
        queued. No invoice row is written or locked, and an invoice another
        transaction is queueing right now is left to it, never waited for. The
        job is triggered when anything was queued. Returns the queued move ids.
        """
        if partners is not None:
            target = SQL(
                """m.commercial_partner_id = ANY(%s) AND m.company_id = %s
                   AND m.move_type = 'out_invoice' AND m.payment_state IN %s""",
                partners.ids,
                (company or self.env.company).id,
                OPEN_PAYMENT_STATES,
            )
        elif self:
            target = SQL("m.id = ANY(%s)", self.ids)
        else:
            return []
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        """
                        WITH candidate AS MATERIALIZED (
                            SELECT m.id FROM account_move m
                             WHERE %s
                               AND m.state = 'posted'
                               AND m.move_type IN %s
                               AND NOT EXISTS (
                                   SELECT 1 FROM islebooks_payment_link_pdf q
                                    WHERE q.move_id = m.id)
                               AND NOT EXISTS (
                                   SELECT 1 FROM ir_attachment a
                                    WHERE a.res_model = 'account.move' AND a.res_id = m.id
                                      AND a.res_field = 'invoice_pdf_report_file'))
                        INSERT INTO islebooks_payment_link_pdf (move_id)
                        SELECT id FROM candidate WHERE pg_try_advisory_xact_lock(%s, id)
                        ON CONFLICT (move_id) DO NOTHING
                        RETURNING move_id
                        """,
                        target,
                        CUSTOMER_MOVE_TYPES,
                        LEGAL_PDF_QUEUE,
                    ),
                    log_exceptions=False,
                )
                queued = [row[0] for row in cr.fetchall()]
        except SerializationFailure:
            # Queued by a transaction committed meanwhile: nothing left to queue.
            return []
        if queued:
            self.env.ref("islebooks_payment_links.ir_cron_prepare_legal_pdfs").sudo()._trigger()
        return queued

    def _dequeue_legal_pdfs(self):
        if self:
            self.env.cr.execute(
                SQL("DELETE FROM islebooks_payment_link_pdf WHERE move_id = ANY(%s)", self.ids)
            )

    @api.model
    def _get_queued_legal_pdfs(self, limit=None, exclude=()):
        """The queued moves (by id), but ``exclude``."""
        self.env.cr.execute(
            SQL(
                """SELECT move_id FROM islebooks_payment_link_pdf
                    WHERE NOT move_id = ANY(%s) ORDER BY move_id %s""",
                list(exclude),
                SQL("LIMIT %s", limit) if limit else SQL(),
            )
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _claim_legal_pdf_rendering(self):
        """``(claimed, held)``: the moves this transaction now renders alone, and
        those another transaction holds.

        A move is claimed with an advisory lock (a download or the job rendering
        it keeps it); one whose row another transaction holds is not claimed, as
        its PDF could not be stored now. No row lock is kept.
        """
        cr = self.env.cr
        free = take_free_rows(cr, "account_move", self.ids, keep=False)
        claimed = self.browse(sorted(try_advisory_locks(cr, LEGAL_PDF_RENDER, free)))
        claimed.invalidate_recordset(["state", "invoice_pdf_report_id", "invoice_pdf_report_file"])
        return claimed, self - claimed

    def _store_legal_pdfs(self):
        """Render these claimed moves' legal PDFs, then store them in one short write.

        Rendering holds no invoice row; storing takes the rows without waiting.
        A row another transaction holds, or changed while rendering, raises
        ``RowsHeld``: nothing is stored and those moves stay queued.
        """
        cr = self.env.cr
        with cr.savepoint():
            try:
                self.env["account.move.send"].sudo()._generate_and_send_invoices(
                    self.sudo(), sending_methods=["manual"]
                )
            except (SerializationFailure, LockNotAvailable):
                raise RowsHeld(self) from None
            held = self - self.browse(take_free_rows(cr, "account_move", self.ids, keep=True))
            if held:
                raise RowsHeld(held)
            self._dequeue_legal_pdfs()

    def _prepare_legal_pdfs_now(self, deadline=None):
        """Store the legal PDFs of these claimed moves: in one render, else one move
        at a time. Returns ``(done, held)``: the moves dequeued, and those left
        queued because another transaction held them. One at a time, no move is
        begun past ``deadline`` (``tools/jobs.py``) but the first: the others
        stay queued, for the job's next call.

        Debian's wkhtmltopdf (unpatched Qt) prints one document per call: a
        batch would fail there as a whole, after rendering it, so there each
        invoice is rendered alone from the start (``wkhtmltopdf_prints_batches``). A move
        that cannot be rendered even alone (a broken template) is logged and
        left to the download, which renders on demand: it never blocks the
        queue. A move reset to draft or printed meanwhile leaves the queue.
        """
        todo = self.filtered(lambda move: move.state == "posted" and not move.invoice_pdf_report_id)
        (self - todo)._dequeue_legal_pdfs()
        done = self - todo
        if not todo:
            return done, self.browse()
        # Debian's build would render the whole batch only to fail on it, in
        # the time of the job's budget: one at a time at once there.
        if len(todo) == 1 or self._legal_pdfs_render_in_batches():
            try:
                todo._store_legal_pdfs()
                return self, self.browse()
            except RowsHeld as error:
                if len(todo) == 1:
                    return done, todo
                if error.moves != todo:
                    # The others once more, in one render, without the rows held.
                    more, held = (todo - error.moves)._prepare_legal_pdfs_now(deadline)
                    return done | more, held | error.moves
                # Which one changed is unknown (Odoo met it writing): one at a time.
                _logger.info("Preparing the legal PDFs of %s one at a time", todo.ids)
            except Exception:
                if len(todo) == 1:
                    _logger.exception("Could not prepare the legal PDF of %s", todo.ids)
                    todo._dequeue_legal_pdfs()
                    return self, self.browse()
                _logger.info("Preparing the legal PDFs of %s one at a time", todo.ids)
        held = self.browse()
        commit = self._legal_pdf_job_commits()
        for index, move in enumerate(todo):
            if index and past(deadline):
                break  # still queued: the job's next call renders them
            # Claimed again: a commit gave the batch's claim back.
            claimed, busy = move._claim_legal_pdf_rendering()
            more, more_held = claimed._prepare_legal_pdfs_now()
            done, held = done | more, held | more_held | busy
            if commit:
                # One invoice row written, at once committed: its lock lasts one write.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done, held

    def _legal_pdfs_render_in_batches(self):
        """Whether several legal PDFs render in one call: with the patched
        wkhtmltopdf, or where Odoo renders reports as HTML (tests)."""
        as_html = (config["test_enable"] or config["test_file"]) and not self.env.context.get(
            "force_report_rendering"
        )
        return bool(as_html) or wkhtmltopdf_prints_batches()

    def _legal_pdf_job_commits(self):
        """Whether the one-at-a-time path commits after each invoice: in ir.cron's
        own transaction (committed after each call anyway), outside tests."""
        return bool(self.env.context.get("ir_cron_progress_id")) and not getattr(
            threading.current_thread(), "testing", False
        )

    @api.model
    def _cron_prepare_legal_pdfs(self, batch_size=20):
        """Render the queued legal PDFs, ``batch_size`` at a time, the way Print does.

        A batch is claimed (advisory locks: one transaction renders a PDF),
        rendered with no invoice row locked, then stored in one short write
        that takes the rows without waiting. An invoice another transaction
        holds is left queued, and the job comes back for it a minute later.
        Under the cron, batches until the call's time budget is spent
        (``tools/jobs.py``; at least one invoice per call), then the progress
        reported: Odoo commits and calls again while some remain. Called
        directly, it renders them all.
        """
        Move = self.sudo()
        deadline = job_deadline(self.env)
        held = Move.browse()
        done_count = 0
        while True:
            queued = Move._get_queued_legal_pdfs(batch_size, held.ids)
            batch, busy = queued._claim_legal_pdf_rendering()
            held |= busy
            if not batch:
                if busy:
                    continue  # the next ones, past those held
                break
            done, busy = batch._prepare_legal_pdfs_now(deadline)
            held |= busy
            done_count += len(done)
            remaining = len(Move._get_queued_legal_pdfs(exclude=held.ids))
            self.env["ir.cron"]._notify_progress(done=done_count, remaining=remaining)
            if not remaining or past(deadline):
                break
        if held:
            self.env.ref("islebooks_payment_links.ir_cron_prepare_legal_pdfs").sudo()._trigger(
                fields.Datetime.now() + RETRY_HELD
            )
