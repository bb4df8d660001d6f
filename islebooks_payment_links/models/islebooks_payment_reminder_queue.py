from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from ..tools.constants import STAFF_GROUP
from ..tools.whatsapp import whatsapp_url


class IslebooksPaymentReminder(models.Model):
    """The staff queue (Invoicing › Customers › Payment Reminders): send now,
    skip, open WhatsApp."""

    _inherit = "islebooks.payment.reminder"

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
        queued = self.filtered(lambda r: r.channel in self._get_job_channels())
        if self - queued:
            raise UserError(_("WhatsApp reminders are sent with Open WhatsApp."))
        queued._lock_to_send()
        sent, _tried = queued.sudo()._send_queued()
        if failed := queued - sent:
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
