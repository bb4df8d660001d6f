from odoo import _, fields, models

from ..tools.constants import STAFF_GROUP


class ResPartner(models.Model):
    """Payment reminders of a customer (see islebooks.payment.reminder): opting
    out, channel, counters."""

    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # Payment reminders (see islebooks.payment.reminder)
    # ------------------------------------------------------------------

    payment_reminder_disabled = fields.Boolean(
        "No payment reminders",
        groups=STAFF_GROUP,
        help="Never send this customer a payment reminder (read on the company contact).",
    )
    payment_reminder_channel = fields.Selection(
        [
            ("auto", "Automatic"),
            ("email", "Email"),
            ("whatsapp", "WhatsApp"),
        ],
        string="Reminders by",
        default="auto",
        required=True,
        groups=STAFF_GROUP,
        help="Automatic: WhatsApp (queued for staff) where the customer has a WhatsApp "
        "number, else email (sent by the scheduled job).",
    )
    payment_reminder_count = fields.Integer(
        "Payment reminders", compute="_compute_payment_reminder_stats", groups=STAFF_GROUP
    )
    payment_reminder_last_date = fields.Datetime(
        "Last payment reminder", compute="_compute_payment_reminder_stats", groups=STAFF_GROUP
    )

    def _compute_payment_reminder_stats(self):
        groups = self.env["islebooks.payment.reminder"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids), ("state", "=", "sent")],
            ["partner_id"],
            ["__count", "sent_at:max"],
        )
        stats = {partner.id: (count, last) for partner, count, last in groups}
        for partner in self:
            partner.payment_reminder_count, partner.payment_reminder_last_date = stats.get(
                partner.commercial_partner_id.id, (0, False)
            )

    def _get_payment_reminder_contacts(self, moves):
        """``{channel: contact or None}``: who a reminder to this commercial partner
        about ``moves`` can reach on each channel (the customer first, else an
        invoice contact), in the order "Automatic" tries them: WhatsApp where a
        usable number exists, else email. A glue addon adds its channel (SMS)."""
        self.ensure_one()
        contacts = self | moves.partner_id
        return {
            "whatsapp": next(
                (c for c in contacts if c.whatsapp and not c._get_whatsapp_e164()[1]), None
            ),
            "email": next((c for c in contacts if c.email), None),
        }

    def _get_payment_reminder_unreachable(self, moves):
        """Why no reminder about ``moves`` can reach this customer (no channel has
        an address)."""
        self.ensure_one()
        return _("%(customer)s has no email address nor WhatsApp number.", customer=self.name)

    def _get_payment_reminder_channel(self, moves):
        """(channel, contact, error) of a reminder to this commercial partner about ``moves``.

        The customer's preference first, then the other channels in the order
        "Automatic" tries them (``_get_payment_reminder_contacts``). A channel
        without an address falls back to the next; none gives an error (the
        reminder is then skipped, and says why).
        """
        self.ensure_one()
        contacts = self._get_payment_reminder_contacts(moves)
        preferred = self.payment_reminder_channel
        order = sorted(contacts, key=lambda channel: channel != preferred)
        for channel in order:
            if contacts[channel]:
                return channel, contacts[channel], ""
        return "email", self, self._get_payment_reminder_unreachable(moves)
