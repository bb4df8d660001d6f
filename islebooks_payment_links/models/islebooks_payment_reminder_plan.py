from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.fields import Command

from ..tools.constants import CUSTOMER_MOVE_TYPES, REMINDER_BATCH_SIZE
from ..tools.jobs import job_deadline
from ..tools.locks import REMINDER_PLAN, try_advisory_locks


class IslebooksPaymentReminder(models.Model):
    """The scheduled job: which customers get a reminder today (held ones left
    out), their links, and the reminders a payment makes moot."""

    _inherit = "islebooks.payment.reminder"

    # ------------------------------------------------------------------
    # Scheduled job
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_payment_reminders(self, batch_size=REMINDER_BATCH_SIZE):
        """One batch of the daily job: plan the reminders due today, send the emails.

        Odoo's cron commits after each call and calls again while
        ``_notify_progress`` reports work remaining. Under the cron, no email is
        begun once the call's time budget is spent (``tools/jobs.py``: each one
        renders a statement PDF), but the first. Returns what remains.
        """
        job = self.sudo().with_context(islebooks_payment_reminder_job=True)
        done, remaining = job._run_batch(batch_size, job_deadline(self.env))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    def _run_batch(self, batch_size, deadline=None):
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
        sent, left = self._send_due_emails(batch_size, deadline)
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
        items = self._get_reminder_items(company, cutoff)
        if not candidates and not items:
            return 0, 0
        candidates = candidates - candidates.browse(candidates._get_payment_reminder_blocked())
        partners = candidates.commercial_partner_id | items.partner_id.commercial_partner_id
        held = self._get_held_partners(company, partners, today)
        candidates = candidates.filtered(lambda move: move.commercial_partner_id.id not in held)
        items = items.filtered(lambda item: item.partner_id.commercial_partner_id.id not in held)
        due_dates = candidates._get_payment_reminder_due_dates()
        done = defaultdict(set)
        for line in self.env["islebooks.payment.reminder.line"].search_fetch(
            ["|", ("move_id", "in", candidates.ids), ("item_id", "in", items.ids)],
            ["move_id", "item_id", "due_date", "step"],
        ):
            done[line.move_id.id or ("item", line.item_id.id), line.due_date].add(line.step)
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
        # Other amounts due have no payment terms (a sale on account is due the day
        # it is made): only the steps after their due date remind them.
        triggered_items = defaultdict(list)  # customer -> [(item, due date, step)]
        for item in items:
            due = item.date_maturity or item.date
            reached = [step for step in steps if step > 0 and due + timedelta(days=step) <= today]
            if not reached or any(old >= reached[-1] for old in done[("item", item.id), due]):
                continue
            triggered_items[item.partner_id.commercial_partner_id].append((item, due, reached[-1]))
        customers = sorted(set(triggered) | set(triggered_items), key=lambda partner: partner.id)
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
            reached = triggered[customer] + triggered_items[customer]
            vals_list.append(
                {
                    "company_id": company.id,
                    "partner_id": customer.id,
                    "contact_id": contact.id,
                    "channel": channel,
                    "date": today,
                    "step": max(step for _m, _d, step in reached),
                    "state": "skipped" if error else "to_send",
                    "error": error or False,
                    "move_ids": [Command.set(moves.ids)],
                    "line_ids": [
                        Command.create({"move_id": move.id, "due_date": due, "step": step})
                        for move, due, step in triggered[customer]
                    ]
                    + [
                        Command.create({"item_id": item.id, "due_date": due, "step": step})
                        for item, due, step in triggered_items[customer]
                    ],
                }
            )
        reminders = self.create(vals_list)
        reminders.filtered(lambda r: r.state == "to_send")._attach_links()
        return len(selected), max(left, 0)

    @api.model
    def _get_reminder_items(self, company, cutoff):
        """The other amounts due (``res.partner._get_open_items_domain``) of every
        customer of ``company`` not opted out, due on ``cutoff`` or before and
        without a payment in progress (due on their due date, else their date):
        one query for all customers (two with the
        payments in progress)."""
        Line = self.env["account.move.line"].with_company(company)
        items = Line.search(
            [
                ("company_id", "=", company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("balance", ">", 0),
                ("move_id.move_type", "not in", CUSTOMER_MOVE_TYPES),
                ("partner_id", "!=", False),
                ("partner_id.commercial_partner_id.payment_reminder_disabled", "=", False),
                # Due on its due date, else on its date (a manual entry, a
                # Point of Sale closing entry, has none).
                "|",
                ("date_maturity", "<=", cutoff),
                "&",
                ("date_maturity", "=", False),
                ("date", "<=", cutoff),
            ],
            order="partner_id, id",
        )
        return items - items.browse(list(items._get_item_payment_blockers()))

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
        Customer Portal link (batch get-or-create per company), which the other
        amounts due a reminder is about are paid on."""
        Link = self.env["islebooks.payment.link"].sudo()
        singles = self.filtered(lambda r: len(r.move_ids) == 1 and not r.line_ids.item_id)
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
            items = reminder.line_ids.item_id
            if not settled and not items:
                continue
            # Nothing left: no open invoice, and every other amount due settled.
            nothing_left = not reminder.open_move_ids and all(item.reconciled for item in items)
            if not settled and not nothing_left:
                continue
            vals = {"move_ids": [Command.unlink(move.id) for move in settled]}
            if nothing_left:
                vals.update(state="skipped", error=_("Nothing left to pay."))
            reminder.write(vals)
