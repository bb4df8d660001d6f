from odoo import SUPERUSER_ID, fields, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    islebooks_payment_link_id = fields.Many2one(
        "islebooks.payment.link",
        string="Payment link",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The payment link the customer paid through.",
    )

    def _log_message_on_linked_documents(self, message):
        """Log on all the invoices of a link payment in one batch.

        Odoo posts the note invoice by invoice (a handful of queries each); a
        customer paying many invoices at once through a portal link would make
        the pay step grow with the number of invoices. Same internal note, same
        author, written at once.
        """
        self.ensure_one()
        if not self.islebooks_payment_link_id or self.source_transaction_id:
            return super()._log_message_on_linked_documents(message)
        author = self.env.user.partner_id if self.env.uid == SUPERUSER_ID else self.partner_id
        invoices = self._get_invoices_to_notify()
        if invoices:
            invoices._message_log_batch(
                bodies=dict.fromkeys(invoices.ids, message), author_id=author.id
            )
        return None
