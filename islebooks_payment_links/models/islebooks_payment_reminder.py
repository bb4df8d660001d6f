import logging

from odoo import _, api, fields, models
from odoo.tools import format_amount

from ..tools.access import check_protected_write
from ..tools.constants import STAFF_GROUP

_logger = logging.getLogger(__name__)


class IslebooksPaymentReminder(models.Model):
    """One payment reminder: one customer, one channel, one day.

    It is also the staff queue (Invoicing › Customers › Payment Reminders):
    email reminders are sent by the scheduled job, WhatsApp ones wait for a
    click on "Open WhatsApp" (wa.me cannot send by itself). A reminder is
    created ``to_send`` in the same transaction as the email it queues, so a
    crash loses neither and a re-run never sends twice.
    """

    _name = "islebooks.payment.reminder"
    _description = "Payment reminder"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Sent to",
        readonly=True,
        help="Whose email address or WhatsApp number the reminder goes to.",
    )
    # "uninstalled": what a reminder sent by a glue addon's channel (SMS) becomes
    # when that addon is uninstalled; never offered for a new reminder.
    channel = fields.Selection(
        [("email", "Email"), ("whatsapp", "WhatsApp"), ("uninstalled", "Uninstalled channel")],
        required=True,
        readonly=True,
        help="Uninstalled channel: sent, or skipped, by a channel whose addon was uninstalled "
        "since.",
    )
    date = fields.Date(required=True, readonly=True, index=True)
    step = fields.Integer(
        "Step (days)", readonly=True, help="Days from the due date (negative: before)."
    )
    step_label = fields.Char("Step", compute="_compute_step_label")
    state = fields.Selection(
        [("to_send", "To send"), ("sent", "Sent"), ("skipped", "Skipped")],
        default="to_send",
        required=True,
        readonly=True,
        index=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        "islebooks_payment_reminder_move_rel",
        "reminder_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    open_move_ids = fields.Many2many(
        "account.move",
        string="Open invoices",
        compute="_compute_open_move_ids",
        help="The reminder's invoices still to pay (paid and pending ones left out).",
    )
    line_ids = fields.One2many("islebooks.payment.reminder.line", "reminder_id", readonly=True)
    # The link is a bearer credential: invoicing staff only.
    link_id = fields.Many2one(
        "islebooks.payment.link", string="Payment link", readonly=True, groups=STAFF_GROUP
    )
    link_url = fields.Char("Link", compute="_compute_link_url", groups=STAFF_GROUP)
    due_summary = fields.Json(compute="_compute_due_summary", groups=STAFF_GROUP)
    due_summary_text = fields.Char("Due", compute="_compute_due_summary", groups=STAFF_GROUP)
    sent_at = fields.Datetime(readonly=True)
    sent_by_id = fields.Many2one(
        "res.users", string="Sent by", readonly=True, help="Empty: the scheduled job."
    )
    error = fields.Char(readonly=True)
    next_try_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "customer_day_unique",
            "UNIQUE(company_id, partner_id, date)",
            "A customer gets at most one payment reminder a day.",
        ),
    ]

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------

    def write(self, vals):
        # Reminders change through their actions only (Send now, Skip, ...).
        check_protected_write(self, vals, ())
        return super().write(vals)

    @api.depends("partner_id.name", "move_ids.name")
    def _compute_display_name(self):
        # Shown in the email layout's header: the invoice, or the customer's account.
        for reminder in self:
            reminder.display_name = (
                reminder.move_ids.name if len(reminder.move_ids) == 1 else reminder.partner_id.name
            )

    @api.model
    def _step_label(self, days):
        if days < 0:
            return _("%(days)s days before due", days=-days)
        if days == 0:
            return _("On the due date")
        return _("%(days)s days after due", days=days)

    @api.depends("step")
    def _compute_step_label(self):
        for reminder in self:
            reminder.step_label = self._step_label(reminder.step)

    @api.depends("move_ids.payment_state", "move_ids.state", "move_ids.amount_residual")
    def _compute_open_move_ids(self):
        blocked = self.move_ids._get_payment_reminder_blocked()
        for reminder in self:
            reminder.open_move_ids = reminder.move_ids.filtered(
                lambda move: move._is_open_invoice() and move.id not in blocked
            )

    def _compute_link_url(self):
        for reminder in self:
            reminder.link_url = reminder.link_id.url

    @api.depends("open_move_ids", "date", "line_ids.item_id.amount_residual")
    def _compute_due_summary(self):
        """What paying the reminded invoices asks per currency, its overdue part
        apart, formatted in the customer's language: the customer's
        ``_get_amount_owed`` for these invoices, net of open credit when the
        reminder links to the Customer Portal (which uses it), and with the
        other amounts due the portal lists and pays with them (a reminder about
        other amounts due only links to the portal: the customer's open ones)."""
        for reminder in self:
            env = reminder.with_context(lang=reminder.partner_id.lang or self.env.lang).env
            lang = env.lang
            owed = (
                reminder.partner_id._get_amount_owed(
                    reminder.company_id,
                    moves=reminder.open_move_ids,
                    use_credit=reminder.link_id.scope == "portal",
                    items=reminder.link_id.scope == "portal",
                )
                if reminder.open_move_ids or reminder.line_ids.item_id
                else []
            )
            rows = []
            for row in owed:
                currency = row["currency"]
                total = format_amount(env, row["to_pay"], currency, lang_code=lang)
                credit_used = min(row["credit"], row["asked"])
                if not currency.is_zero(credit_used):
                    total = env._(
                        "%(total)s (net of your credit of %(credit)s)",
                        total=total,
                        credit=format_amount(env, credit_used, currency, lang_code=lang),
                    )
                rows.append(
                    {
                        "total": total,
                        "overdue": (
                            format_amount(env, row["overdue"], currency, lang_code=lang)
                            if not currency.is_zero(row["overdue"])
                            else ""
                        ),
                    }
                )
            reminder.due_summary = rows
            reminder.due_summary_text = " + ".join(row["total"] for row in rows)
