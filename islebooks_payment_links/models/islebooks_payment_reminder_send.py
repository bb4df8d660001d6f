import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.fields import Command

from ..tools.constants import REMINDER_RETRY_DELAY
from ..tools.jobs import past

_logger = logging.getLogger(__name__)


class IslebooksPaymentReminder(models.Model):
    """Sending: the emails the job queues (statement attached), marked sent and
    logged on the customer and its invoices."""

    _inherit = "islebooks.payment.reminder"

    @api.model
    def _send_due_emails(self, limit, deadline=None):
        """Send up to ``limit`` queued email reminders, none begun past
        ``deadline`` but the first (``tools/jobs.py``); returns (sent, left).

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
        sent, tried = reminders._send_emails(deadline)
        return len(sent), len(ids) - len(tried)

    def _send_emails(self, deadline=None):
        """Queue the email of each reminder (in this transaction) and mark it sent.

        One failing email (a template error, a bad address) is noted on its
        reminder, which stays queued and is tried again later; the others go.
        None is begun past ``deadline`` but the first. Returns ``(sent,
        tried)``: the reminders sent, and those done with for now (sent,
        failed, or left with nothing to ask for).
        """
        template = self.env.ref("islebooks_payment_links.mail_template_payment_reminder")
        sent = self.browse()
        self._prune_settled(reminders=self)
        tried = self.filtered(lambda r: r.state != "to_send")
        for index, reminder in enumerate(self - tried):
            if index and past(deadline):
                break  # still queued: the job's next call sends it
            tried |= reminder
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
                    {
                        "error": str(error)[:500],
                        "next_try_at": fields.Datetime.now() + REMINDER_RETRY_DELAY,
                    }
                )
            else:
                sent |= reminder
        return sent, tried

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
