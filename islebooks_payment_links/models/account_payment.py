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
            owed = (
                payment.partner_id.commercial_partner_id._get_amount_owed(payment.company_id)
                if payment.partner_id
                else []
            )
            payment.payment_link_customer_balance = next(
                (row["amount"] for row in owed if row["currency"] == payment.currency_id), 0.0
            )
