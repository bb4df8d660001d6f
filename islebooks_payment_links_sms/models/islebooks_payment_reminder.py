from odoo import _, api, fields, models


class IslebooksPaymentReminder(models.Model):
    """SMS, the third reminder channel: sent by the scheduled job (and Send
    now) like emails, through Odoo's SMS module, with the email's amounts."""

    _inherit = "islebooks.payment.reminder"

    channel = fields.Selection(
        selection_add=[("sms", "SMS"), ("uninstalled",)],
        ondelete={"sms": lambda reminders: reminders._on_sms_uninstalled()},
    )

    def _on_sms_uninstalled(self):
        """This addon is uninstalled: its reminders are kept, with their lines
        (which stop the job from reminding a step twice). Those sent or skipped
        say "Uninstalled channel"; those still to send go by email, or are
        skipped, saying why, where the customer has no email address (as the
        job plans them)."""
        reminders = self.sudo()
        reminders.filtered(lambda r: r.state != "to_send").write({"channel": "uninstalled"})
        for reminder in reminders.filtered(lambda r: r.state == "to_send"):
            customer = reminder.partner_id
            contact = customer._get_payment_reminder_contacts(reminder.move_ids)["email"]
            reminder.write(
                {
                    "channel": "email",
                    "contact_id": (contact or customer).id,
                    "state": "to_send" if contact else "skipped",
                    "error": False
                    if contact
                    else _(
                        "SMS was uninstalled and %(customer)s has no email address.",
                        customer=customer.name,
                    ),
                    "next_try_at": False,
                }
            )

    @api.model
    def _get_job_channels(self):
        return (*super()._get_job_channels(), "sms")

    def _send_by_sms(self):
        """Post the reminder's SMS on the customer, to its contact's mobile number,
        into Odoo's SMS queue, whose job sends it once this transaction is
        committed (as reminder emails go through the mail queue): the provider,
        the credits and delivery errors are Odoo's, shown in the customer's chatter."""
        self.ensure_one()
        number, error = self.contact_id._get_sms_number()
        if error:
            # The number changed since the reminder was planned: noted, tried again.
            raise ValueError(error)
        template = self.env.ref("islebooks_payment_links_sms.sms_template_payment_reminder")
        body = template._render_field("body", self.ids, compute_lang=True)[self.id]
        self.partner_id.sudo()._message_sms(
            body,
            partner_ids=self.contact_id.ids,
            sms_pid_to_number={self.contact_id.id: number},
            put_in_queue=True,
        )
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
