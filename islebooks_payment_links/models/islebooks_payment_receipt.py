import logging

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index, create_unique_index

from ..tools.jobs import job_deadline, past

_logger = logging.getLogger(__name__)

CRON = "islebooks_payment_links.ir_cron_send_payment_receipts"
RECEIPT_TEMPLATE = "islebooks_payment_links.mail_template_payment_receipt"
REJECTION_TEMPLATE = "islebooks_payment_links.mail_template_payment_confirmation_rejected"


class IslebooksPaymentReceipt(models.Model):
    """An email the customer is owed after a decision on their money: the
    receipt of a payment, or the reason a bank-transfer confirmation was
    rejected. One row per payment or confirmation, ever.

    Queued by the transaction that decides (an online payment's
    post-processing, an approved or rejected bank-transfer confirmation),
    which holds the invoices it reconciles or the confirmation it reviews; a
    job renders and emails it after that transaction has committed, so no
    invoice, transaction or confirmation stays locked while Odoo renders the
    email (and the receipt's PDF). The row is kept once sent: a notification
    delivered twice, or a transaction post-processed again, queues nothing
    more, and the customer gets one email.
    """

    _name = "islebooks.payment.receipt"
    _description = "Payment receipt email"
    _log_access = False

    payment_id = fields.Many2one("account.payment", readonly=True, ondelete="cascade")
    confirmation_id = fields.Many2one(
        "islebooks.payment.confirmation",
        "Rejected confirmation",
        readonly=True,
        ondelete="cascade",
    )
    sent_at = fields.Datetime("Sent on", readonly=True)

    _sql_constraints = [
        (
            "one_document",
            "CHECK ((payment_id IS NULL) != (confirmation_id IS NULL))",
            "An email owed is about one payment or one confirmation.",
        )
    ]

    def init(self):
        create_unique_index(
            self.env.cr, "islebooks_payment_receipt_payment_id_uniq", self._table, ["payment_id"]
        )
        create_unique_index(
            self.env.cr,
            "islebooks_payment_receipt_confirmation_id_uniq",
            self._table,
            ["confirmation_id"],
        )
        create_index(
            self.env.cr,
            "islebooks_payment_receipt_to_send_idx",
            self._table,
            ["id"],
            where="sent_at IS NULL",
        )

    @api.model
    def _queue(self, payments):
        """Owe the customers the receipts of ``payments`` (where their company
        emails receipts): one INSERT, a payment already queued is skipped. The
        job is triggered, to run once this transaction has committed."""
        payments = payments.sudo().filtered(lambda pay: pay.company_id.payment_link_receipt_email)
        self._insert("payment_id", payments)

    @api.model
    def _queue_rejections(self, confirmations):
        """Owe the customers the email saying why ``confirmations`` were rejected
        (where their company emails them and the customer has an address)."""
        confirmations = confirmations.sudo().filtered(
            lambda confirmation: (
                confirmation.company_id.payment_link_receipt_email and confirmation.partner_id.email
            )
        )
        self._insert("confirmation_id", confirmations)

    def _insert(self, column, records):
        if not records:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO islebooks_payment_receipt (%s)
                   SELECT unnest(%s::int[])
                   ON CONFLICT DO NOTHING
                   RETURNING id""",
                SQL.identifier(column),
                records.ids,
            )
        )
        if self.env.cr.fetchall():
            self.env.ref(CRON).sudo()._trigger()

    @api.model
    def _cron_send_payment_receipts(self, batch_size=50):
        """Render and queue (``mail.mail``) the emails owed, ``batch_size`` at a time.

        The job claims its rows without waiting (``SKIP LOCKED``) and holds no
        invoice, payment or confirmation row: a payment of the same invoices
        goes on while it renders. Under the cron, no email is begun once the
        call's time budget is spent (``tools/jobs.py``) but the first, and the
        progress is reported: Odoo calls again while some remain. Called
        directly, it sends them all.
        """
        deadline = job_deadline(self.env)
        sent_count, failed = 0, []
        while True:
            ids = self._claim_to_send(batch_size, failed)
            if ids is None:
                # Sent by a run committed since this one started: look again later.
                self.env.ref(CRON).sudo()._trigger()
                return
            rows = self.sudo().browse(ids[:batch_size])
            sent, tried = rows._send(deadline)
            sent.write({"sent_at": fields.Datetime.now()})
            sent_count += len(sent)
            failed += (tried - sent).ids
            if len(tried) < len(rows) or past(deadline) or len(ids) <= batch_size:
                break
        if "ir_cron_progress_id" in self.env.context:
            remaining = self.search_count([("sent_at", "=", False), ("id", "not in", failed)])
            self.env["ir.cron"]._notify_progress(done=sent_count, remaining=remaining)

    def _claim_to_send(self, batch_size, exclude):
        """Up to ``batch_size + 1`` owed rows no other run holds (``SKIP
        LOCKED``), but ``exclude``; None when a run committed since this
        transaction's snapshot sent some."""
        self.flush_model(["sent_at"])  # rows sent earlier in this call
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        """SELECT id FROM islebooks_payment_receipt
                            WHERE sent_at IS NULL AND NOT id = ANY(%s)
                            ORDER BY id LIMIT %s
                              FOR NO KEY UPDATE SKIP LOCKED""",
                        list(exclude),
                        batch_size + 1,
                    ),
                    log_exceptions=False,
                )
                return [row[0] for row in cr.fetchall()]
        except SerializationFailure:
            return None

    def _send(self, deadline=None):
        """Render each row's email into Odoo's mail queue; none begun past
        ``deadline`` but the first. Returns ``(sent, tried)``."""
        receipt = self.env.ref(RECEIPT_TEMPLATE, raise_if_not_found=False)
        rejection = self.env.ref(REJECTION_TEMPLATE, raise_if_not_found=False)
        sent = tried = self.browse()
        for index, row in enumerate(self):
            if index and past(deadline):
                break
            tried |= row
            try:
                with self.env.cr.savepoint():
                    row._send_one(receipt, rejection)
            except (SerializationFailure, LockNotAvailable) as error:
                # A record of the email written meanwhile: expected, tried again.
                _logger.info("Email owed by row %s left for the next run: %s", row.id, error)
                continue
            except Exception:
                # A defect (a template that cannot render): stays owed, and holds
                # up none of the others.
                _logger.exception("Email owed by row %s not sent", row.id)
                continue
            sent |= row
        return sent, tried

    def _send_one(self, receipt, rejection):
        payment, confirmation = self.payment_id, self.confirmation_id
        if payment:
            if (
                receipt
                and payment.company_id.payment_link_receipt_email
                and payment.partner_id.email
            ):
                # In the payment's company, as the request that recorded it was.
                receipt.sudo().with_company(payment.company_id).send_mail(payment.id)
        elif (
            rejection
            and confirmation.state == "rejected"
            and confirmation.company_id.payment_link_receipt_email
            and confirmation.partner_id.email
        ):
            rejection.sudo().with_company(confirmation.company_id).send_mail(confirmation.id)
