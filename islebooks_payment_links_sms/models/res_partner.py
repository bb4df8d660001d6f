from odoo import _, fields, models


def _has_sms_number(partner):
    return bool(partner.mobile or partner.phone)


class ResPartner(models.Model):
    """The contact's SMS number, as Odoo's SMS composer picks it, and SMS as a
    payment reminder channel."""

    _inherit = "res.partner"

    # Automatic: SMS comes between WhatsApp and email (see the company's setting).
    payment_reminder_channel = fields.Selection(
        selection_add=[("sms", "SMS")], ondelete={"sms": "set default"}
    )

    def _get_sms_recipient(self, contacts=None):
        """Who receives an SMS about this customer's documents: the rule of every
        send (``_get_message_recipient``), with a mobile or phone number."""
        return self._get_message_recipient(contacts, _has_sms_number)

    def _get_sms_number(self):
        """(number, '') or ('', why it cannot be used) for this contact: its mobile,
        else its phone, in international form, the number Odoo's SMS composer
        takes (``_sms_get_recipients_info``: ``phone_validation`` with the
        contact's country)."""
        self.ensure_one()
        info = self._sms_get_recipients_info(partner_fallback=False)[self.id]
        if info["sanitized"]:
            return info["sanitized"], ""
        if not info["number"]:
            return "", _(
                "%(contact)s has no mobile number. Add one on the contact.",
                contact=self.display_name,
            )
        return "", _(
            'The mobile number "%(number)s" of %(contact)s is not a valid phone number. '
            "Check the digits, and the country code or the contact's country.",
            number=info["number"],
            contact=self.display_name,
        )

    def _get_payment_reminder_contacts(self, moves):
        """SMS between WhatsApp and email, where the company sends reminders by SMS."""
        contacts = super()._get_payment_reminder_contacts(moves)
        if not moves.company_id[:1].payment_reminder_sms:
            return contacts
        sms = next((c for c in self | moves.partner_id if not c._get_sms_number()[1]), None)
        email = contacts.pop("email")
        return {**contacts, "sms": sms, "email": email}

    def _get_payment_reminder_unreachable(self, moves):
        if moves.company_id[:1].payment_reminder_sms:
            return _(
                "%(customer)s has no email address, WhatsApp number nor mobile number.",
                customer=self.name,
            )
        return super()._get_payment_reminder_unreachable(moves)
