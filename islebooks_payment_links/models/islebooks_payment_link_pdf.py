from odoo import fields, models
from odoo.tools.sql import column_exists, create_unique_index


class IslebooksPaymentLinkPdf(models.Model):
    """An invoice whose legal PDF the background job is to prepare.

    Queued when a link opening the invoice is handed out and its legal PDF
    does not exist yet (``account.move._prepare_legal_pdfs_later``); removed
    in the transaction that stores the PDF, so a crash leaves it queued. The
    queue is a table of its own, not a column of ``account_move``: queueing,
    inside staff actions and the reminders job, writes no invoice row and
    takes no lock a payment of the invoice could meet.
    """

    _name = "islebooks.payment.link.pdf"
    _description = "Legal PDF to prepare"
    _log_access = False

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, readonly=True, ondelete="cascade"
    )

    def init(self):
        create_unique_index(
            self.env.cr, "islebooks_payment_link_pdf_move_id_uniq", self._table, ["move_id"]
        )
        # Up to 18.0.1.4.0 the queue was a column of account_move: its rows are
        # carried over (Odoo drops the column with its field, after the update).
        if column_exists(self.env.cr, "account_move", "payment_link_pdf_pending"):
            self.env.cr.execute(
                """
                INSERT INTO islebooks_payment_link_pdf (move_id)
                SELECT id FROM account_move WHERE payment_link_pdf_pending
                ON CONFLICT (move_id) DO NOTHING
                """
            )
