from odoo import fields, models

from ..tools.access import check_staff_access


class IslebooksPaymentConfirmationReject(models.TransientModel):
    _name = "islebooks.payment.confirmation.reject"
    _description = "Reject Bank Transfer Confirmation"

    confirmation_ids = fields.Many2many(
        "islebooks.payment.confirmation",
        "islebooks_payment_confirmation_reject_rel",
        "wizard_id",
        "confirmation_id",
        required=True,
    )
    reason = fields.Text(
        required=True, help="The customer sees this on the payment page: be clear and polite."
    )

    def action_reject(self):
        self.ensure_one()
        check_staff_access(self.env)
        self.confirmation_ids._reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
