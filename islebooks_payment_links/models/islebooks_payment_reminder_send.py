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
    def _get_job_channels(self):
        """The channels whose reminders the scheduled job (and Send now) sends
        itself: email here; WhatsApp waits for staff's Open WhatsApp. A glue
        addon adds its channel (SMS) and its ``_send_by_<channel>``."""
        return ("email",)

    @api.model
    def _send_due_emails(self, limit, deadline=None):
        """Send up to ``limit`` queued reminders of the job's channels (email, and
        those glue addons add), none begun past ``deadline`` but the first
        (``tools/jobs.py``); returns (sent, left).

        Rows are locked ``FOR UPDATE SKIP LOCKED``: a reminder being sent by
        another worker (or by Send now) is left to it.
        """
        self.flush_model()
        now = fields.Datetime.now()
        self.env.cr.execute(
            """
            SELECT id FROM islebooks_payment_reminder
             WHERE state = 'to_send' AND channel IN %s
               AND (next_try_at IS NULL OR next_try_at <= %s)
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            [tuple(self._get_job_channels()), now, limit + 1],
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        reminders = self.browse(ids[:limit])
        sent, tried = reminders._send_queued(deadline)
        return len(sent), len(ids) - len(tried)

    def _send_queued(self, deadline=None):
        """Send each reminder by its channel (``_send_by_<channel>``, in this
        transaction) and mark it sent.

        One failing reminder (a template error, a bad address) is noted on its
        reminder, which stays queued and is tried again later; the others go.
        None is begun past ``deadline`` but the first. Returns ``(sent,
        tried)``: the reminders sent, and those done with for now (sent,
        failed, or left with nothing to ask for).
        """
        sent = self.browse()
        self._prune_settled(reminders=self)
        channels = self._get_job_channels()
        tried = self.filtered(lambda r: r.state != "to_send" or r.channel not in channels)
        for index, reminder in enumerate(self - tried):
            if index and past(deadline):
                break  # still queued: the job's next call sends it
            tried |= reminder
            try:
                with self.env.cr.savepoint():
                    getattr(reminder, f"_send_by_{reminder.channel}")()
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

    def _send_by_email(self):
        """Queue this reminder's email (statement attached where the company says so)."""
        self.ensure_one()
        template = self.env.ref("islebooks_payment_links.mail_template_payment_reminder")
        attachments = self._get_statement_attachment()
        template.sudo().send_mail(
            self.id,
            email_layout_xmlid="mail.mail_notification_light",
            email_values={"attachment_ids": [Command.set(attachments.ids)]},
        )

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
        values = {
            "step": reminder.step_label,
            "channel": channel,
            "contact": reminder.contact_id.display_name,
            "who": reminder.sent_by_id.name or _("the scheduled job"),
            "invoices": ", ".join(reminder.open_move_ids.mapped("name")),
            "link": reminder.link_id.display_name or _("none"),
        }
        # Other amounts due (no invoice): named as the portal names them.
        items = reminder.line_ids.item_id.filtered(lambda item: not item.reconciled)
        if items:
            values["invoices"] = ", ".join(
                filter(None, [values["invoices"], *(item._get_item_reference() for item in items)])
            )
            message = _(
                "Payment reminder (%(step)s) sent by %(channel)s to %(contact)s by %(who)s. "
                "Invoices and other amounts due: %(invoices)s. Link: %(link)s.",
                **values,
            )
        else:
            message = _(
                "Payment reminder (%(step)s) sent by %(channel)s to %(contact)s by %(who)s. "
                "Invoices: %(invoices)s. Link: %(link)s.",
                **values,
            )
        body = Markup("<p>%s</p>") % message
        moves = reminder.open_move_ids
        moves._message_log_batch(bodies={move.id: body for move in moves})
        reminder.partner_id._message_log(body=body)
