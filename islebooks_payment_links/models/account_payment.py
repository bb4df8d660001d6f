from odoo import api, fields, models

from ..tools.constants import STAFF_GROUP


class AccountPayment(models.Model):
    _inherit = "account.payment"

    # Read by the receipt email (rendered as superuser): what the customer
    # still owes after this payment, as its Customer Portal says it.
    payment_link_customer_balance = fields.Monetary(
        "Customer's remaining balance",
        compute="_compute_payment_link_customer_balance",
        groups=STAFF_GROUP,
        help="What the customer still owes in the payment's currency, net of open credit, "
        "as the Customer Portal shows it.",
    )

    @api.depends("partner_id", "currency_id", "state")
    def _compute_payment_link_customer_balance(self):
        for payment in self:
            payment.payment_link_customer_balance = (
                payment.partner_id.commercial_partner_id._get_amount_owed_in(
                    payment.company_id, payment.currency_id
                )
                if payment.partner_id
                else 0.0
            )
