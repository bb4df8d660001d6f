from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.phone import PhoneNumberError, to_e164


class ResPartner(models.Model):
    """The contact's WhatsApp number, stored in international form, and its actions; the
    addon's other jobs on contacts are the res_partner_<job>.py files."""

    _inherit = "res.partner"

    whatsapp = fields.Char(
        "WhatsApp",
        help="Number the contact uses on WhatsApp. Type it as you like (local numbers use "
        "the contact's country); it is stored in international form, e.g. +9607771234. "
        "Invoices of a contact without one use its company's number.",
    )

    # ------------------------------------------------------------------
    # Normalization
    # ------------------------------------------------------------------

    def _whatsapp_error(self, reason, number, contact_name):
        messages = {
            "letters": _(
                'The WhatsApp number "%(number)s" of %(contact)s contains letters or '
                "symbols. Use digits only, with the country code, e.g. +960 777 1234."
            ),
            "no_country": _(
                'The WhatsApp number "%(number)s" of %(contact)s has no country code and '
                "the contact has no country. Add the country code (e.g. +960 777 1234) or "
                "set the contact's country."
            ),
            "country_code": _(
                'The WhatsApp number "%(number)s" of %(contact)s starts with an unknown '
                "country code. Check the digits after + or 00."
            ),
            "too_short": _(
                'The WhatsApp number "%(number)s" of %(contact)s has too few digits. '
                "Check it, and add the country code if it is from abroad."
            ),
            "too_long": _(
                'The WhatsApp number "%(number)s" of %(contact)s has too many digits. '
                "Check it, and remove any extension."
            ),
            "invalid": _(
                'The WhatsApp number "%(number)s" of %(contact)s is not a valid phone '
                "number. Check the digits and the country code."
            ),
            "empty": _("%(contact)s has no WhatsApp number. Add one on the contact."),
        }
        return messages[reason] % {"number": number, "contact": contact_name or _("the contact")}

    @api.model
    def _whatsapp_normalize(self, number, country, contact_name):
        """``number`` in E.164, or a ValidationError naming the contact and the fix."""
        try:
            return to_e164(number, country.code)
        except PhoneNumberError as error:
            raise ValidationError(
                self._whatsapp_error(error.reason, number, contact_name)
            ) from error

    def _whatsapp_country(self):
        self.ensure_one()
        return self.country_id or self.parent_id.country_id

    def _get_whatsapp_e164(self):
        """(E.164 number, '') or ('', why it cannot be used) for this contact."""
        self.ensure_one()
        try:
            return to_e164(self.whatsapp, self._whatsapp_country().code), ""
        except PhoneNumberError as error:
            return "", self._whatsapp_error(error.reason, self.whatsapp, self.display_name)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("whatsapp"):
                country = self.env["res.country"].browse(vals.get("country_id"))
                if not country and vals.get("parent_id"):
                    country = self.browse(vals["parent_id"]).country_id
                vals["whatsapp"] = self._whatsapp_normalize(
                    vals["whatsapp"], country, vals.get("name")
                )
        return super().create(vals_list)

    def write(self, vals):
        # An archived customer's links stop opening at once (and stay on file).
        if "active" in vals and not vals["active"]:
            self.env["islebooks.payment.link"]._revoke_for_partners(self)
        if not vals.get("whatsapp"):
            return super().write(vals)
        if "country_id" in vals:
            country = self.env["res.country"].browse(vals["country_id"])
            by_country = {country: self}
        else:
            by_country = {}
            for partner in self:
                by_country.setdefault(partner._whatsapp_country(), self.browse())
                by_country[partner._whatsapp_country()] |= partner
        for country, partners in by_country.items():
            number = self._whatsapp_normalize(
                vals["whatsapp"], country, partners[:1].display_name or vals.get("name")
            )
            super(ResPartner, partners).write(dict(vals, whatsapp=number))
        return True

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_whatsapp_same_as_mobile(self):
        """Fill the WhatsApp number from the mobile number (validated the same way)."""
        for partner in self:
            if not partner.mobile:
                raise UserError(
                    _("%(contact)s has no mobile number to copy.", contact=partner.display_name)
                )
            partner.whatsapp = partner.mobile
        return True

    def _get_whatsapp_recipient(self, contacts=None):
        """Who receives a WhatsApp message about this customer's documents
        (see ``_get_message_recipient``)."""
        return self._get_message_recipient(contacts, "whatsapp")

    def _get_message_recipient(self, contacts, has_number):
        """Who receives a message about this customer's documents on a channel
        (WhatsApp here, SMS in its glue addon).

        The one rule of every send: the contact the documents are addressed to
        when there is exactly one, else the customer (commercial partner); if
        that one has no number (``has_number``: a field name or a function, as
        ``filtered`` takes), the first of the customer, the addressed contacts
        (or, with none given, the customer's contacts) that has one. Nobody has
        one: the first choice, whose error says what to fix.
        """
        self.ensure_one()
        customer = self.commercial_partner_id
        if contacts and len(contacts) == 1:
            first, others = contacts, customer
        else:
            first, others = customer, contacts or customer.child_ids
        return (first | others).filtered(has_number)[:1] or first

    def _get_whatsapp_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": "res.partner",
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "current",
        }
