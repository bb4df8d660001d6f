from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.access import check_staff_access
from ..tools.constants import STAFF_GROUP
from ..tools.phone import PhoneNumberError, to_e164


def _link_related(name):
    """A field of the customer's portal link, read as the user in the current company."""
    return {
        "related": f"payment_link_portal_id.{name}",
        "related_sudo": False,
        "depends_context": ("company",),
    }


class ResPartner(models.Model):
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
        """Who receives a WhatsApp message about this customer's documents.

        The one rule of every send: the contact the documents are addressed to
        when there is exactly one, else the customer (commercial partner); if
        that one has no number, the first of the customer, the addressed
        contacts (or, with none given, the customer's contacts) that has one.
        Nobody has one: the first choice, whose error says what to fix.
        """
        self.ensure_one()
        customer = self.commercial_partner_id
        if contacts and len(contacts) == 1:
            first, others = contacts, customer
        else:
            first, others = customer, contacts or customer.child_ids
        return (first | others).filtered("whatsapp")[:1] or first

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

    # The customer's portal link is a bearer credential to its whole account:
    # only invoicing staff see it, computed without sudo so the links' company
    # rule applies as well.
    payment_link_portal_id = fields.Many2one(
        "islebooks.payment.link",
        string="Portal payment link",
        compute="_compute_payment_link_portal",
        search="_search_payment_link_portal",
        groups=STAFF_GROUP,
        help="The customer's active portal link in the current company.",
    )
    # Read as the user (related_sudo=False), in the current company like the link.
    payment_link_portal_url = fields.Char("Portal link", **_link_related("url"), groups=STAFF_GROUP)
    payment_link_portal_created_at = fields.Datetime(
        "Link created", **_link_related("create_date"), groups=STAFF_GROUP
    )
    payment_link_portal_expires_at = fields.Datetime(
        "Link expires", **_link_related("expires_at"), groups=STAFF_GROUP
    )
    payment_link_portal_first_viewed_at = fields.Datetime(
        "First opened", **_link_related("first_viewed_at"), groups=STAFF_GROUP
    )
    payment_link_portal_last_viewed_at = fields.Datetime(
        "Last opened", **_link_related("last_viewed_at"), groups=STAFF_GROUP
    )
    payment_link_portal_view_count = fields.Integer(
        "Link views", **_link_related("view_count"), groups=STAFF_GROUP
    )
    payment_link_portal_payment_count = fields.Integer(
        "Link payments", **_link_related("payment_count"), groups=STAFF_GROUP
    )

    @api.depends_context("company")
    def _compute_payment_link_portal(self):
        # One search for all the partners shown, whatever their number.
        links = self.env["islebooks.payment.link"].search(
            [
                ("scope", "=", "portal"),
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "active"),
            ]
        )
        by_partner = {link.partner_id.id: link.id for link in links}
        for partner in self:
            partner.payment_link_portal_id = links.browse(
                by_partner.get(partner.commercial_partner_id.id)
            )

    def _search_payment_link_portal(self, operator, value):
        """Contacts whose live portal link (current company) is one of ``value`` (ids)."""
        if operator not in ("in", "="):
            raise UserError(_("Unsupported search on the portal payment link."))
        ids = [value] if isinstance(value, int) else list(value or ())
        links = self.env["islebooks.payment.link"].search(
            [
                ("id", "in", ids),
                ("scope", "=", "portal"),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "active"),
            ]
        )
        return [("commercial_partner_id", "in", links.partner_id.ids)]

    def _get_portal_payment_links(self):
        """The live portal link of each commercial partner, created where missing."""
        return self.env["islebooks.payment.link"]._get_or_create(
            "portal", self.commercial_partner_id
        )

    def action_generate_payment_link(self):
        check_staff_access(self.env)
        self.check_access("read")
        wizard = self.env["islebooks.payment.link.wizard"].create(
            {"partner_ids": [fields.Command.set(self.commercial_partner_id.ids)]}
        )
        return wizard._action_open()

    def action_open_portal_payment_link(self):
        self.ensure_one()
        check_staff_access(self.env)
        return {
            "type": "ir.actions.act_window",
            "name": _("Portal payment link"),
            "res_model": "islebooks.payment.link",
            "view_mode": "form",
            "res_id": self.payment_link_portal_id.id,
        }

    def _get_receivable_domain(self, company):
        """The posted receivable items of this customer in ``company``: what its
        statement lists and its open credit is read from."""
        self.ensure_one()
        return [
            ("partner_id.commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", company.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
        ]

    def _get_statement_values(self, company, date_from, date_to):
        """Statement of account of this commercial partner in ``company``.

        Receivable journal items in company currency: opening balance before
        ``date_from``, every item of the period with a running balance, and the
        closing balance. Two queries whatever the number of items.
        """
        self.ensure_one()
        Line = self.env["account.move.line"].sudo()
        base = self._get_receivable_domain(company)
        [(opening,)] = Line._read_group(base + [("date", "<", date_from)], [], ["balance:sum"])
        lines = Line.search(
            base + [("date", ">=", date_from), ("date", "<=", date_to)], order="date, move_id, id"
        )
        kinds = {
            "out_invoice": _("Invoice"),
            "out_refund": _("Credit note"),
            "out_receipt": _("Receipt"),
        }
        balance = opening or 0.0
        rows = []
        for line in lines:
            balance += line.balance
            move = line.move_id
            if move.move_type in kinds:
                kind = kinds[move.move_type]
            elif line.payment_id or line.credit:
                kind = _("Payment")
            else:
                kind = _("Other")
            rows.append(
                {
                    "date": line.date,
                    "kind": kind,
                    "name": move.name,
                    "ref": line.ref or move.ref or "",
                    "date_due": line.date_maturity if move.move_type == "out_invoice" else False,
                    "debit": line.debit,
                    "credit": line.credit,
                    "balance": balance,
                }
            )
        return {
            "partner": self.commercial_partner_id,
            "company": company,
            "currency": company.currency_id,
            "date_from": date_from,
            "date_to": date_to,
            "opening": opening or 0.0,
            "rows": rows,
            "closing": balance,
            # What is owed today per currency, net of open credit (as every
            # channel says it), under a statement that runs to today.
            "owed": (
                [row for row in self._get_amount_owed(company) if row["count"] or row["amount"]]
                if date_to >= fields.Date.context_today(self)
                else []
            ),
        }

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

    def _get_payment_reminder_channel(self, moves):
        """(channel, contact, error) of a reminder to this commercial partner about ``moves``.

        The customer's preference first; "Automatic" is WhatsApp where a usable
        number exists (the customer's, else an invoice contact's), else email.
        A channel without an address falls back to the other one; neither gives
        an error (the reminder is then skipped, and says why).
        """
        self.ensure_one()
        whatsapp = next(
            (
                contact
                for contact in self | moves.partner_id
                if contact.whatsapp and not contact._get_whatsapp_e164()[1]
            ),
            None,
        )
        email = next((c for c in self | moves.partner_id if c.email), None)
        order = (
            ["email", "whatsapp"]
            if self.payment_reminder_channel == "email"
            else [
                "whatsapp",
                "email",
            ]
        )
        contacts = {"email": email, "whatsapp": whatsapp}
        for channel in order:
            if contacts[channel]:
                return channel, contacts[channel], ""
        return (
            "email",
            self,
            _("%(customer)s has no email address nor WhatsApp number.", customer=self.name),
        )
