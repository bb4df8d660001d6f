from odoo import _, api, fields, models, tools
from odoo.exceptions import RedirectWarning, ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    payment_link_validity = fields.Selection(
        [("0", "No expiry"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year")],
        string="Payment link validity",
        default="0",
        required=True,
        help="How long a newly created payment link opens. Existing links keep their own expiry.",
    )
    whatsapp_link_mode = fields.Selection(
        [("app", "WhatsApp app (wa.me)"), ("web", "WhatsApp Web")],
        string="Open WhatsApp in",
        default="app",
        required=True,
        help="wa.me opens the WhatsApp app on phones and asks on computers; WhatsApp Web "
        "opens web.whatsapp.com directly (or the desktop app, where installed).",
    )
    payment_confirmation_enabled = fields.Boolean(
        "Bank transfer confirmations",
        help="Customers can report a bank transfer with a proof on their payment page.",
    )
    payment_confirmation_journal_id = fields.Many2one(
        "account.journal",
        string="Confirmation journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', id)]",
        help="Approved confirmations register their payment in this journal.",
    )
    payment_confirmation_max_size = fields.Integer(
        "Maximum proof size (MB)", default=5, help="Larger proof files are refused."
    )
    payment_confirmation_proof_required = fields.Boolean("Proof required", default=True)
    payment_confirmation_allow_overpayment = fields.Boolean(
        "Allow over-payment",
        help="Accept confirmations for more than the amount due; the excess stays as credit.",
    )
    payment_confirmation_user_id = fields.Many2one(
        "res.users",
        string="Confirmation reviewer",
        domain="[('share', '=', False)]",
        help="Gets a review activity for every new confirmation. When empty, the "
        "invoice's salesperson does.",
    )
    payment_link_pdf_qr = fields.Boolean(
        "QR code on invoice PDF",
        default=True,
        help="Print a QR code of the invoice's payment link on its PDF, so a printed invoice "
        "can be paid by scanning it with a phone.",
    )
    payment_link_amount_in_words = fields.Boolean(
        "Amount in words on the payment page",
        help="Spell out the amount due under the figures, in the customer's language.",
    )
    payment_link_in_invoice_email = fields.Boolean(
        "Payment link in invoice emails",
        default=True,
        help="Send by Email of a customer invoice adds its short payment link to the message.",
    )
    payment_link_allow_partial = fields.Boolean(
        "Partial payments through links",
        help="Let customers pay part of a single invoice from their portal link, "
        "up to its amount due.",
    )
    payment_link_partial_min_percent = fields.Float(
        "Minimum partial payment (%)",
        default=10.0,
        help="A partial payment through a link is at least this share of the amount due "
        "(paying the whole amount due is always allowed).",
    )

    _sql_constraints = [
        (
            "payment_link_partial_min_percent_range",
            "CHECK(payment_link_partial_min_percent BETWEEN 0 AND 100)",
            "The minimum partial payment is a percentage between 0 and 100.",
        ),
    ]

    payment_link_receipt_email = fields.Boolean(
        "Receipt emails",
        default=True,
        help="Email the customer Odoo's payment receipt after a payment through a link or an "
        "approved bank-transfer confirmation, and the reason of a rejected confirmation.",
    )

    @api.model
    @tools.ormcache("company_id")
    def _payment_link_has_logo(self, company_id):
        """Whether the company ``company_id`` has a logo (``logo_web``) for the
        payment pages' header: cached per worker, so a page view neither queries
        nor loads the image; cleared whenever Odoo recomputes a logo."""
        self.flush_model(["logo_web"])
        self.env.cr.execute(
            "SELECT logo_web IS NOT NULL FROM res_company WHERE id = %s", [company_id]
        )
        row = self.env.cr.fetchone()
        return bool(row and row[0])

    @api.model
    @tools.ormcache("company_id")
    def _payment_link_bank_accounts(self, company_id):
        """The bank accounts the payment pages give for a transfer to company
        ``company_id``: those of its bank journals (in the journals' order),
        else the company's own. A tuple of frozendicts (``holder``: the account
        holder, False for the company itself; ``acc_type``, ``acc_number``,
        ``bank``: "name · BIC" or False), cached per worker so a page view
        reads none of the four tables; cleared when a journal, bank account or
        bank changes (``islebooks.payment.page.cache``)."""
        company = self.browse(company_id).sudo()
        Journal = self.env["account.journal"].sudo()
        journals = Journal.search(
            [
                *Journal._check_company_domain(company),
                ("type", "=", "bank"),
                ("bank_account_id", "!=", False),
            ]
        )
        accounts = journals.bank_account_id or company.partner_id.bank_ids
        return tuple(
            tools.frozendict(
                {
                    # Journals take the company's accounts (Odoo's domain): its
                    # name is the page's company name, read there.
                    "holder": account.acc_holder_name
                    or (account.partner_id != company.partner_id and account.partner_id.name),
                    "acc_type": account.acc_type,
                    "acc_number": account.acc_number,
                    "bank": account.bank_id
                    and " · ".join(filter(None, [account.bank_id.name, account.bank_id.bic])),
                }
            )
            for account in accounts
        )

    def _compute_logo_web(self):
        # Every change of a logo goes through here (the company's or its partner's image).
        result = super()._compute_logo_web()
        self.env.registry.clear_cache()
        return result

    def _send_payment_receipts(self, payments):
        """Email each customer the receipt of ``payments`` (where enabled and possible),
        once per payment, after this transaction commits (islebooks.payment.receipt):
        the invoices it settles are not held while the receipt is rendered."""
        self.env["islebooks.payment.receipt"]._queue(payments)

    def _get_payment_link_unready(self):
        """The companies of ``self`` where a customer could not pay a link at all.

        A company is ready with an enabled (or test) payment provider, or with a
        bank account customers can transfer to. Two queries, whatever the number
        of companies, so every feature that shares links can ask first.
        """
        if not self:
            return self
        providers = (
            self.env["payment.provider"]
            .sudo()
            ._read_group(
                [("company_id", "in", self.ids), ("state", "in", ("enabled", "test"))],
                ["company_id"],
            )
        )
        banks = (
            self.env["res.partner.bank"]
            .sudo()
            ._read_group([("partner_id", "in", self.partner_id.ids)], ["partner_id"])
        )
        ready_ids = {company.id for (company,) in providers}
        bank_partner_ids = {partner.id for (partner,) in banks}
        return self.filtered(
            lambda company: (
                company.id not in ready_ids and company.partner_id.id not in bank_partner_ids
            )
        )

    def _check_payment_link_readiness(self):
        """Stop staff from sharing links that would lead customers nowhere."""
        unready = self._get_payment_link_unready()
        if not unready:
            return
        raise RedirectWarning(
            _(
                "Customers of %(companies)s could not pay through a payment link yet: no payment "
                "provider is enabled and no bank account is set.\n"
                "Enable a payment provider (for example Wire Transfer or a card provider) or add "
                "your bank account first, then share the link again.",
                companies=", ".join(unready.mapped("name")),
            ),
            self.env.ref("payment.action_payment_provider").id,
            _("Configure Payment Providers"),
        )

    # ------------------------------------------------------------------
    # Payment reminders (see islebooks.payment.reminder)
    # ------------------------------------------------------------------

    payment_reminder_enabled = fields.Boolean(
        "Payment reminders",
        help="Remind customers of their open invoices with their payment link, by the "
        "steps below (daily scheduled job).",
    )
    payment_reminder_steps = fields.Char(
        "Reminder steps",
        default="-3, 0, 7, 21",
        help="Days from the due date, separated by commas: negative before it, 0 on it, "
        "positive after it. E.g. -3, 0, 7, 21.",
    )
    payment_reminder_min_interval = fields.Integer(
        "Days between reminders",
        default=5,
        help="A customer gets at most one reminder in this many days, whatever the number "
        "of invoices reaching a step.",
    )
    payment_reminder_attach_statement = fields.Boolean(
        "Attach the statement of account",
        help="Reminder emails carry the customer's statement of account (PDF).",
    )

    @api.model
    def _parse_payment_reminder_steps(self, text):
        """The sorted, distinct steps of ``text``, or a ValidationError saying what to fix."""
        steps = set()
        for part in (text or "").replace(";", ",").split(","):
            part = part.strip().replace("−", "-")
            if not part:
                continue
            try:
                days = int(part)
            except ValueError:
                raise ValidationError(
                    _(
                        'Reminder steps: "%(part)s" is not a number of days. Write whole '
                        "numbers separated by commas, e.g. -3, 0, 7, 21.",
                        part=part,
                    )
                ) from None
            if abs(days) > 365:
                raise ValidationError(
                    _("Reminder steps: %(days)s is more than a year from the due date.", days=days)
                )
            steps.add(days)
        return sorted(steps)

    def _get_payment_reminder_steps(self):
        self.ensure_one()
        return self._parse_payment_reminder_steps(self.payment_reminder_steps)

    @api.constrains(
        "payment_reminder_enabled", "payment_reminder_steps", "payment_reminder_min_interval"
    )
    def _check_payment_reminder_policy(self):
        for company in self:
            steps = company._get_payment_reminder_steps()
            if company.payment_reminder_enabled and not steps:
                raise ValidationError(_("Payment reminders need at least one reminder step."))
            if company.payment_reminder_min_interval < 1:
                raise ValidationError(_("The days between two reminders are at least 1."))
