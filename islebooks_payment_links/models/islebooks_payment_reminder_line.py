from odoo import fields, models


class IslebooksPaymentReminderLine(models.Model):
    """One invoice, or one other amount due (a receivable item without an
    invoice: a Point of Sale sale on account, an opening balance), reminded at
    one step of one due date: the idempotence key.

    The unique index on (invoice, due date, step) is what makes the scheduled
    job safe to run any number of times: a step already reminded (sent,
    queued or skipped) is never planned again, and two runs planning the same
    step at once cannot both commit.
    """

    _name = "islebooks.payment.reminder.line"
    _description = "Invoice step of a payment reminder"

    reminder_id = fields.Many2one(
        "islebooks.payment.reminder", required=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one("account.move", string="Invoice", index=True)
    item_id = fields.Many2one(
        "account.move.line",
        string="Other amount due",
        index="btree_not_null",
        ondelete="cascade",
        help="A receivable item without an invoice, reminded once its due date is past.",
    )
    due_date = fields.Date(
        required=True,
        help="Due date the step counts from: the invoice's, its next installment's or its "
        "early-payment discount's.",
    )
    step = fields.Integer(required=True, help="Days from the due date (negative: before).")

    _sql_constraints = [
        (
            "move_step_unique",
            "UNIQUE(move_id, due_date, step)",
            "An invoice gets each reminder step of a due date once.",
        ),
        (
            "item_step_unique",
            "UNIQUE(item_id, due_date, step)",
            "An other amount due gets each reminder step of a due date once.",
        ),
        (
            "invoice_or_item",
            "CHECK(move_id IS NOT NULL OR item_id IS NOT NULL)",
            "A reminder step is about an invoice or an other amount due.",
        ),
    ]
