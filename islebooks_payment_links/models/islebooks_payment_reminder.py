import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import format_amount

from ..tools.access import check_protected_write
from ..tools.constants import STAFF_GROUP
from ..tools.locks import REMINDER_PLAN, try_advisory_locks
from ..tools.whatsapp import whatsapp_url

_logger = logging.getLogger(__name__)

# Customers planned and emails sent per call of the scheduled job: Odoo's cron
# commits after each call and calls again while work remains.
BATCH_SIZE = 100
# A reminder whose email failed is tried again after this delay (next run).
RETRY_DELAY = timedelta(hours=1)


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
    channel = fields.Selection(
        [("email", "Email"), ("whatsapp", "WhatsApp")], required=True, readonly=True
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

    @api.depends("open_move_ids", "date")
    def _compute_due_summary(self):
        """What paying the reminded invoices asks per currency, its overdue part
        apart, formatted in the customer's language: the customer's
        ``_get_amount_owed`` for these invoices, net of open credit when the
        reminder links to the Customer Portal (which uses it)."""
        for reminder in self:
            env = reminder.with_context(lang=reminder.partner_id.lang or self.env.lang).env
            lang = env.lang
            owed = (
                reminder.partner_id._get_amount_owed(
                    reminder.company_id,
                    moves=reminder.open_move_ids,
                    use_credit=reminder.link_id.scope == "portal",
                )
                if reminder.open_move_ids
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

    # ------------------------------------------------------------------
    # Scheduled job
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_payment_reminders(self, batch_size=BATCH_SIZE):
        """One batch of the daily job: plan the reminders due today, send the emails.

        Odoo's cron commits after each call and calls again while
        ``_notify_progress`` reports work remaining. Returns what remains.
        """
        job = self.sudo().with_context(islebooks_payment_reminder_job=True)
        done, remaining = job._run_batch(batch_size)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    def _run_batch(self, batch_size):
        # What invoices ask depends on the day (discounts, installments): no cached answer.
        self.env.invalidate_all()
        self._prune_settled()
        planned, remaining = 0, 0
        companies = self.env["res.company"].search([("payment_reminder_enabled", "=", True)])
        for company in companies - companies._get_payment_link_unready():
            room = batch_size - planned
            if room <= 0:
                remaining += 1
                break
            count, left = self._plan_company(company, room)
            planned += count
            remaining += left
        sent, left = self._send_due_emails(batch_size)
        return planned + sent, remaining + left

    @api.model
    def _plan_company(self, company, limit):
        """Create the reminders due today in ``company``, for at most ``limit`` customers.

        Returns (customers planned, customers left for the next batch).
        A constant number of queries whatever the number of invoices.
        """
        if not try_advisory_locks(self.env.cr, REMINDER_PLAN, company.ids):
            return 0, 1  # another run is planning this company right now
        today = fields.Date.context_today(self.with_company(company))
        steps = company._get_payment_reminder_steps()
        if not steps:
            return 0, 0
        cutoff = today - timedelta(days=steps[0])
        Move = self.env["account.move"].with_company(company)
        base = Move._get_open_domain() + [
            ("company_id", "=", company.id),
            ("payment_reminder_disabled", "=", False),
            ("commercial_partner_id.payment_reminder_disabled", "=", False),
        ]
        candidates = Move.search(
            base
            + [
                (
                    "line_ids",
                    "any",
                    [
                        ("display_type", "=", "payment_term"),
                        ("reconciled", "=", False),
                        "|",
                        ("date_maturity", "<=", cutoff),
                        ("discount_date", "<=", cutoff),
                    ],
                )
            ],
            order="commercial_partner_id, id",
        )
        if not candidates:
            return 0, 0
        candidates = candidates - candidates.browse(candidates._get_payment_reminder_blocked())
        partners = candidates.commercial_partner_id
        held = self._get_held_partners(company, partners, today)
        candidates = candidates.filtered(lambda move: move.commercial_partner_id.id not in held)
        due_dates = candidates._get_payment_reminder_due_dates()
        done = defaultdict(set)
        for line in self.env["islebooks.payment.reminder.line"].search_fetch(
            [("move_id", "in", candidates.ids)], ["move_id", "due_date", "step"]
        ):
            done[line.move_id.id, line.due_date].add(line.step)
        triggered = defaultdict(list)  # customer -> [(move, due date, step)]
        for move in candidates:
            due = due_dates.get(move.id)
            reached = [step for step in steps if due and due + timedelta(days=step) <= today]
            if not reached:
                continue
            step = reached[-1]
            if any(old >= step for old in done[move.id, due]):
                continue
            triggered[move.commercial_partner_id].append((move, due, step))
        customers = sorted(triggered, key=lambda partner: partner.id)
        selected, left = customers[:limit], len(customers) - limit
        if not selected:
            return 0, 0
        # Everything still to pay goes in the message, not only what hit a step.
        customer_ids = [partner.id for partner in selected]
        open_moves = Move.search(
            base + [("commercial_partner_id", "in", customer_ids)], order="invoice_date_due, id"
        )
        open_moves -= open_moves.browse(open_moves._get_payment_reminder_blocked())
        by_customer = defaultdict(lambda: Move.browse())
        for move in open_moves:
            by_customer[move.commercial_partner_id.id] |= move
        vals_list = []
        for customer in selected:
            moves = by_customer[customer.id] or Move.concat(
                *(m for m, _d, _s in triggered[customer])
            )
            channel, contact, error = customer._get_payment_reminder_channel(moves)
            vals_list.append(
                {
                    "company_id": company.id,
                    "partner_id": customer.id,
                    "contact_id": contact.id,
                    "channel": channel,
                    "date": today,
                    "step": max(step for _m, _d, step in triggered[customer]),
                    "state": "skipped" if error else "to_send",
                    "error": error or False,
                    "move_ids": [Command.set(moves.ids)],
                    "line_ids": [
                        Command.create({"move_id": move.id, "due_date": due, "step": step})
                        for move, due, step in triggered[customer]
                    ],
                }
            )
        reminders = self.create(vals_list)
        reminders.filtered(lambda r: r.state == "to_send")._attach_links()
        return len(selected), max(left, 0)

    @api.model
    def _get_held_partners(self, company, partners, today):
        """Ids of the customers not to remind today: one already reminded today,
        one with a reminder still queued, or one reminded within the minimum interval."""
        groups = self._read_group(
            [("company_id", "=", company.id), ("partner_id", "in", partners.ids)],
            ["partner_id", "state"],
            ["date:max"],
        )
        interval = timedelta(days=max(company.payment_reminder_min_interval, 1))
        held = set()
        for partner, state, last in groups:
            if state == "to_send" or last >= today or (state == "sent" and last > today - interval):
                held.add(partner.id)
        return held

    def _attach_links(self):
        """Give each reminder its link: the invoice's for one open invoice, else the
        Customer Portal link (batch get-or-create per company)."""
        Link = self.env["islebooks.payment.link"].sudo()
        singles = self.filtered(lambda r: len(r.move_ids) == 1)
        invoice_links = Link._get_or_create("invoice", singles.move_ids)
        link_of_move = dict(zip(singles.move_ids.ids, invoice_links.ids, strict=True))
        for reminder in singles:
            reminder.sudo().link_id = link_of_move[reminder.move_ids.id]
        several = self - singles
        for company in several.company_id:
            group = several.filtered(lambda r, company=company: r.company_id == company)
            links = Link.with_company(company)._get_or_create("portal", group.partner_id)
            link_of_partner = dict(zip(group.partner_id.ids, links.ids, strict=True))
            for reminder in group:
                reminder.sudo().link_id = link_of_partner[reminder.partner_id.id]

    @api.model
    def _send_due_emails(self, limit):
        """Send up to ``limit`` queued email reminders; returns (sent, left).

        Rows are locked ``FOR UPDATE SKIP LOCKED``: a reminder being sent by
        another worker (or by Send now) is left to it.
        """
        self.flush_model()
        now = fields.Datetime.now()
        self.env.cr.execute(
            """
            SELECT id FROM islebooks_payment_reminder
             WHERE state = 'to_send' AND channel = 'email'
               AND (next_try_at IS NULL OR next_try_at <= %s)
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            [now, limit + 1],
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        reminders = self.browse(ids[:limit])
        sent = reminders._send_emails()
        return len(sent), len(ids) - len(reminders)

    def _send_emails(self):
        """Queue the email of each reminder (in this transaction) and mark it sent.

        One failing email (a template error, a bad address) is noted on its
        reminder, which stays queued and is tried again later; the others go.
        """
        template = self.env.ref("islebooks_payment_links.mail_template_payment_reminder")
        sent = self.browse()
        self._prune_settled(reminders=self)
        for reminder in self.filtered(lambda r: r.state == "to_send"):
            try:
                with self.env.cr.savepoint():
                    attachments = reminder._get_statement_attachment()
                    template.sudo().send_mail(
                        reminder.id,
                        email_layout_xmlid="mail.mail_notification_light",
                        email_values={"attachment_ids": [Command.set(attachments.ids)]},
                    )
                    reminder._mark_sent()
            except Exception as error:  # noqa: BLE001 (noted, retried later)
                self.env.invalidate_all()
                _logger.warning("Payment reminder %s not sent: %s", reminder.id, error)
                reminder.sudo().write(
                    {"error": str(error)[:500], "next_try_at": fields.Datetime.now() + RETRY_DELAY}
                )
            else:
                sent |= reminder
        return sent

    def _get_statement_attachment(self):
        self.ensure_one()
        if not self.company_id.payment_reminder_attach_statement:
            return self.env["ir.attachment"]
        link = (
            self.env["islebooks.payment.link"]
            .sudo()
            .with_company(self.company_id)
            ._get_or_create("portal", self.partner_id)
        )
        pdf, filename = link.with_context(lang=self.partner_id.lang)._render_statement_pdf()
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )

    def _mark_sent(self):
        """Mark sent and tell the invoices' and the customer's chatter."""
        self.ensure_one()
        # Sent by the scheduled job: "sent by" stays empty.
        by_job = self.env.context.get("islebooks_payment_reminder_job")
        self.sudo().write(
            {
                "state": "sent",
                "sent_at": fields.Datetime.now(),
                "sent_by_id": False if by_job else self.env.user.id,
                "error": False,
                "next_try_at": False,
            }
        )
        self._log_reminder()

    def _log_reminder(self):
        self.ensure_one()
        reminder = self.sudo()
        channel = dict(self._fields["channel"]._description_selection(self.env))[self.channel]
        body = Markup("<p>%s</p>") % _(
            "Payment reminder (%(step)s) sent by %(channel)s to %(contact)s by %(who)s. "
            "Invoices: %(invoices)s. Link: %(link)s.",
            step=reminder.step_label,
            channel=channel,
            contact=reminder.contact_id.display_name,
            who=reminder.sent_by_id.name or _("the scheduled job"),
            invoices=", ".join(reminder.open_move_ids.mapped("name")),
            link=reminder.link_id.display_name or _("none"),
        )
        moves = reminder.open_move_ids
        moves._message_log_batch(bodies={move.id: body for move in moves})
        reminder.partner_id._message_log(body=body)

    # ------------------------------------------------------------------
    # Payments stop reminders
    # ------------------------------------------------------------------

    @api.model
    def _prune_settled(self, moves=None, reminders=None):
        """Drop paid, cancelled and pending-payment invoices from queued reminders;
        a reminder left with nothing to ask for is skipped."""
        Reminder = self.sudo()
        if reminders is None:
            domain = [("state", "=", "to_send")]
            if moves is not None:
                if not moves:
                    return
                domain.append(("move_ids", "in", moves.ids))
            reminders = Reminder.search(domain)
        reminders = reminders.sudo().filtered(lambda r: r.state == "to_send")
        for reminder in reminders:
            settled = reminder.move_ids - reminder.open_move_ids
            if not settled:
                continue
            vals = {"move_ids": [Command.unlink(move.id) for move in settled]}
            if not reminder.open_move_ids:
                vals.update(state="skipped", error=_("Nothing left to pay."))
            reminder.write(vals)

    # ------------------------------------------------------------------
    # Staff queue
    # ------------------------------------------------------------------

    def _check_staff(self):
        if not self.env.user.has_group(STAFF_GROUP):
            raise AccessError(_("Only invoicing users can handle payment reminders."))
        self.check_access("write")

    def _lock_to_send(self):
        """Lock these reminders (or fail clearly if another user or the job has them)."""
        self.flush_recordset()
        self.env.cr.execute(
            "SELECT id FROM islebooks_payment_reminder WHERE id IN %s"
            " AND state = 'to_send' FOR UPDATE SKIP LOCKED",
            [tuple(self.ids)],
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_recordset(["state"])
        if missing := self.filtered(lambda r: r.id not in locked):
            raise UserError(
                _(
                    "The reminder to %(customers)s was already sent or skipped, or is being "
                    "sent right now.",
                    customers=", ".join(missing.partner_id.mapped("display_name")),
                )
            )

    @api.model
    def _action_open_queue(self):
        """Invoicing › Customers › Payment Reminders (paid invoices dropped first)."""
        if not self.env.user.has_group(STAFF_GROUP):
            raise AccessError(_("Only invoicing users can handle payment reminders."))
        self._prune_settled()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "islebooks_payment_links.islebooks_payment_reminder_action"
        )

    def action_send_now(self):
        self._check_staff()
        emails = self.filtered(lambda r: r.channel == "email")
        if self - emails:
            raise UserError(_("WhatsApp reminders are sent with Open WhatsApp."))
        emails._lock_to_send()
        sent = emails.sudo()._send_emails()
        if failed := emails - sent:
            raise UserError(
                _(
                    "The reminder to %(customers)s could not be sent: %(error)s",
                    customers=", ".join(failed.partner_id.mapped("display_name")),
                    error=failed[:1].error or _("nothing left to pay"),
                )
            )
        return True

    def action_skip(self):
        self._check_staff()
        self._lock_to_send()
        for reminder in self.sudo():
            reminder.write({"state": "skipped", "sent_by_id": self.env.user.id})
            reminder.partner_id._message_log(
                body=_(
                    "Payment reminder (%(step)s) skipped by %(user)s.",
                    step=reminder.step_label,
                    user=self.env.user.name,
                )
            )
        return True

    def action_open_whatsapp(self):
        """Open the reminder's WhatsApp message and record it as sent."""
        self.ensure_one()
        self._check_staff()
        if self.channel != "whatsapp":
            raise UserError(_("This reminder goes by email: use Send now."))
        self._lock_to_send()
        reminder = self.sudo()
        reminder._prune_settled(reminders=reminder)
        if reminder.state != "to_send":
            raise UserError(_("Nothing is left to pay: the reminder was skipped."))
        number, error = reminder.contact_id._get_whatsapp_e164()
        if error:
            raise UserError(error)
        invoices = reminder.open_move_ids
        template = self.env.ref(
            "islebooks_payment_links.whatsapp_template_payment_reminder"
            if len(invoices) == 1
            else "islebooks_payment_links.whatsapp_template_payment_reminders"
        )
        text = template._render_message(reminder, add_context={"invoice": invoices[:1]})
        web = reminder.company_id.whatsapp_link_mode == "web"
        url = whatsapp_url(number, text, web=web)
        reminder._mark_sent()
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}
