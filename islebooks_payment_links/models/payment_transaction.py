from odoo import fields, models


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
