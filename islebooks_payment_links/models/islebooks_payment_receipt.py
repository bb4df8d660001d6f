import logging

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index, create_unique_index

_logger = logging.getLogger(__name__)

CRON = "islebooks_payment_links.ir_cron_send_payment_receipts"


class IslebooksPaymentReceipt(models.Model):
    """A payment whose receipt email the customer is owed: one row per payment, ever.

    Queued by the transaction that registers the payment (an online payment's
    post-processing, an approved bank-transfer confirmation), which holds the
    invoices it reconciles; a job renders and emails the receipt after that
    transaction has committed, so no invoice stays locked while Odoo renders
    the receipt (a PDF). The row is kept once sent: a notification delivered
    twice, or a transaction post-processed again, queues nothing more, and the
    customer gets one receipt.
    """

    _name = "islebooks.payment.receipt"
    _description = "Payment receipt email"
    _log_access = False

    payment_id = fields.Many2one(
        "account.payment", required=True, readonly=True, ondelete="cascade"
    )
    sent_at = fields.Datetime("Sent on", readonly=True)

    def init(self):
        create_unique_index(
            self.env.cr, "islebooks_payment_receipt_payment_id_uniq", self._table, ["payment_id"]
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
        if not payments:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO islebooks_payment_receipt (payment_id)
                   SELECT unnest(%s::int[])
                   ON CONFLICT (payment_id) DO NOTHING
                   RETURNING id""",
                payments.ids,
            )
        )
        if self.env.cr.fetchall():
            self.env.ref(CRON).sudo()._trigger()

    @api.model
    def _cron_send_payment_receipts(self, batch_size=50):
        """Render and queue (``mail.mail``) the receipts owed, ``batch_size`` at a time.

        The job claims its rows without waiting (``SKIP LOCKED``) and holds no
        invoice or payment row: a payment of the same invoices goes on while it
        renders. Called again (triggered) while some remain.
        """
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        """SELECT id FROM islebooks_payment_receipt
                            WHERE sent_at IS NULL ORDER BY id LIMIT %s
                              FOR NO KEY UPDATE SKIP LOCKED""",
                        batch_size + 1,
                    ),
                    log_exceptions=False,
                )
                ids = [row[0] for row in cr.fetchall()]
        except SerializationFailure:
            # Sent by a run committed since this one started: look again later.
            self.env.ref(CRON).sudo()._trigger()
            return
        rows = self.sudo().browse(ids[:batch_size])
        template = self.env.ref(
            "islebooks_payment_links.mail_template_payment_receipt", raise_if_not_found=False
        )
        sent = rows.browse()
        for row in rows:
            payment = row.payment_id
            try:
                with cr.savepoint():
                    if (
                        template
                        and payment.company_id.payment_link_receipt_email
                        and payment.partner_id.email
                    ):
                        # In the payment's company, as the request that recorded it was.
                        template.sudo().with_company(payment.company_id).send_mail(payment.id)
            except Exception:
                # One receipt that cannot be rendered holds up none of the others:
                # it stays owed, for the next run.
                _logger.exception("Receipt email of payment %s not sent", payment.id)
                continue
            sent |= row
        sent.write({"sent_at": fields.Datetime.now()})
        if len(ids) > batch_size:
            self.env.ref(CRON).sudo()._trigger()
