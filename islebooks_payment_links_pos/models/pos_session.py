from odoo import models


class PosSession(models.Model):
    _inherit = "pos.session"

    def _get_split_receivable_vals(self, payment, amount, amount_converted):
        """A sale charged to the customer's account books a receivable item on
        the customer at closing: name it after the order, as its receipt does
        (``Order 00001-001-0001 - Customer Account``), so the customer's
        portal, statement and receipts show an amount they recognise rather
        than the session's."""
        vals = super()._get_split_receivable_vals(payment, amount, amount_converted)
        order = payment.pos_order_id
        if order:
            vals["name"] = f"{order.pos_reference or order.name} - {payment.payment_method_id.name}"
        return vals
