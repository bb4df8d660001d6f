from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import float_compare

from ..tools.access import check_protected_write, check_staff_access
from ..tools.parsing import MAX_AMOUNT, parse_amount, parse_id

# Proof files are recognised by their first bytes, never by name or declared type.
PROOF_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
MAX_REFERENCE_LENGTH = 64
MAX_NOTE_LENGTH = 1000
# What staff correct before approving; the rest is the customer's report or the review.
STAFF_WRITABLE_FIELDS = frozenset({"amount", "transfer_date", "bank_reference", "journal_id"})
# A transfer reported for an invoice was made at most this long before it.
MAX_TRANSFER_AGE = timedelta(days=366)


def sniff_proof(data):
    """Return ``(mimetype, extension)`` for an accepted proof file, or ``None``."""
    for signature, mimetype, extension in PROOF_SIGNATURES:
        if data.startswith(signature):
            return mimetype, extension
    return None


class IslebooksPaymentConfirmation(models.Model):
    _name = "islebooks.payment.confirmation"
    _description = "Bank Transfer Confirmation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    link_id = fields.Many2one(
        "islebooks.payment.link",
        string="Payment link",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        help="The link the customer submitted this confirmation through.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    invoice_ids = fields.Many2many(
        "account.move",
        "islebooks_payment_confirmation_move_rel",
        "confirmation_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(
        required=True,
        tracking=True,
        help="Amount the customer says was transferred. Correct it before approving if "
        "the bank statement shows another amount.",
    )
    transfer_date = fields.Date(required=True, tracking=True)
    bank_reference = fields.Char(
        tracking=True, help="Reference of the transfer given by the customer's bank."
    )
    # Normalised copy used to spot the same reference given twice by one customer.
    bank_reference_key = fields.Char(
        compute="_compute_bank_reference_key", store=True, index="btree_not_null"
    )
    duplicate_reference = fields.Boolean(
        "Duplicate reference",
        compute="_compute_duplicate_reference",
        search="_search_duplicate_reference",
        help="Another confirmation of this customer carries the same bank reference.",
    )
    note = fields.Text(readonly=True)
    journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="Journal the payment is posted to when approved.",
    )
    state = fields.Selection(
        [("pending", "To review"), ("approved", "Approved"), ("rejected", "Rejected")],
        default="pending",
        string="Status",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    reject_reason = fields.Text(
        readonly=True, tracking=True, help="Shown to the customer on the payment page."
    )
    reviewed_by_id = fields.Many2one("res.users", readonly=True)
    reviewed_at = fields.Datetime(readonly=True)
    payment_ids = fields.Many2many(
        "account.payment",
        "islebooks_payment_confirmation_payment_rel",
        "confirmation_id",
        "payment_id",
        string="Payments",
        readonly=True,
    )
    proof_attachment_id = fields.Many2one("ir.attachment", string="Proof", readonly=True)
    proof_mimetype = fields.Char(related="proof_attachment_id.mimetype")
    proof_name = fields.Char(related="proof_attachment_id.name", string="Proof file")
    proof_image = fields.Binary(compute="_compute_proof_views", string="Proof image")
    proof_pdf = fields.Binary(compute="_compute_proof_views", string="Proof document")

    # The rules of a confirmation hold however it is written (the website, the
    # form, RPC): what the review then checks is only what changes meanwhile.

    @api.constrains("invoice_ids", "partner_id", "company_id", "currency_id")
    def _check_invoices(self):
        for confirmation in self.sudo():
            invoices = confirmation.invoice_ids
            if invoices.company_id - confirmation.company_id:
                raise ValidationError(_("A confirmation only covers invoices of its company."))
            if invoices.commercial_partner_id - confirmation.partner_id:
                raise ValidationError(_("A confirmation only covers invoices of its customer."))
            if invoices.currency_id - confirmation.currency_id:
                raise ValidationError(_("A confirmation covers invoices in its currency only."))

    @api.constrains("amount", "currency_id")
    def _check_amount(self):
        for confirmation in self:
            currency = confirmation.currency_id
            if currency.compare_amounts(confirmation.amount, 0) <= 0:
                raise ValidationError(_("The amount must be positive."))
            if abs(confirmation.amount) >= MAX_AMOUNT:
                raise ValidationError(_("The amount is too large."))

    @api.constrains("transfer_date", "invoice_ids")
    def _check_transfer_date(self):
        today = fields.Date.context_today(self)
        for confirmation in self.sudo().filtered("transfer_date"):
            if confirmation.transfer_date > today:
                raise ValidationError(_("The transfer date cannot be in the future."))
            if confirmation.transfer_date < self._get_oldest_transfer_date(
                confirmation.invoice_ids
            ):
                raise ValidationError(_("The transfer date is too far in the past."))

    @api.model
    def _get_oldest_transfer_date(self, invoices):
        """The earliest transfer date ``invoices`` accept (``MAX_TRANSFER_AGE``)."""
        dates = [date for date in invoices.mapped("invoice_date") if date]
        return min(dates or [fields.Date.context_today(self)]) - MAX_TRANSFER_AGE

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                _("Bank transfer confirmations are reported by customers from their payment link.")
            )
        confirmations = super().create(vals_list)
        # A transfer to review stops the reminders of what it settles at once,
        # as a payment does (account.move.line.reconcile).
        pending = confirmations.filtered(lambda confirmation: confirmation.state == "pending")
        if pending:
            Reminder = self.env["islebooks.payment.reminder"]
            Reminder.invalidate_model(["open_move_ids"])
            Reminder._prune_settled(moves=pending.invoice_ids)
        return confirmations

    def write(self, vals):
        # The customer's report and the review outcome are the addon's to write
        # (from the website and Approve/Reject); staff correct the transfer's
        # details while it is still to review.
        check_protected_write(self, vals, STAFF_WRITABLE_FIELDS | self._mail_fields())
        if not self.env.su and set(vals) & STAFF_WRITABLE_FIELDS:
            self._check_pending()
        return super().write(vals)

    @api.model
    def _mail_fields(self):
        """Fields of the chatter (followers, activities, messages), written by Odoo's mail."""
        mixins = ("mail.thread", "mail.activity.mixin")
        return {name for mixin in mixins for name in self.env[mixin]._fields}

    @api.depends("partner_id.name", "amount", "currency_id")
    def _compute_display_name(self):
        for confirmation in self:
            confirmation.display_name = _(
                "Transfer of %(amount)s from %(partner)s",
                amount=confirmation.currency_id.format(confirmation.amount)
                if confirmation.currency_id
                else confirmation.amount,
                partner=confirmation.partner_id.name or "",
            )

    @api.depends("bank_reference")
    def _compute_bank_reference_key(self):
        for confirmation in self:
            reference = "".join((confirmation.bank_reference or "").split()).upper()
            confirmation.bank_reference_key = reference or False

    @api.depends("bank_reference_key", "partner_id")
    def _compute_duplicate_reference(self):
        keyed = self.filtered(lambda c: c.bank_reference_key and c.partner_id)
        counts = {}
        if keyed:
            groups = self.sudo()._read_group(
                [
                    ("bank_reference_key", "in", list(set(keyed.mapped("bank_reference_key")))),
                    ("partner_id", "in", keyed.partner_id.ids),
                ],
                ["partner_id", "bank_reference_key"],
                ["__count"],
            )
            counts = {(partner.id, key): count for partner, key, count in groups}
        for confirmation in self:
            key = (confirmation.partner_id.id, confirmation.bank_reference_key)
            confirmation.duplicate_reference = counts.get(key, 0) > 1

    def _search_duplicate_reference(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(_("Unsupported search on duplicate reference."))
        self.env.cr.execute(
            """
            SELECT id FROM islebooks_payment_confirmation c
             WHERE bank_reference_key IS NOT NULL AND EXISTS (
                   SELECT 1 FROM islebooks_payment_confirmation o
                    WHERE o.partner_id = c.partner_id
                      AND o.bank_reference_key = c.bank_reference_key
                      AND o.id != c.id)
            """
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", ids)]

    def _compute_proof_views(self):
        for confirmation in self:
            mimetype = confirmation.proof_mimetype or ""
            datas = confirmation.proof_attachment_id.datas
            confirmation.proof_image = datas if mimetype.startswith("image/") else False
            confirmation.proof_pdf = datas if mimetype == "application/pdf" else False

    # ------------------------------------------------------------------
    # Creation (from the customer pages)
    # ------------------------------------------------------------------

    @api.model
    def _get_link_open_invoices(self, link, ids=None):
        """Invoices a link lets its holder report a transfer for (sudo, open only).

        ``ids`` narrows a portal link to those invoices (the ones a page shows
        or a form names), so a customer with thousands of invoices costs no more.
        """
        if link.scope == "invoice":
            invoices = link.move_id
        else:
            domain = link._get_portal_unpaid_domain()
            if ids is not None:
                domain = expression.AND([domain, [("id", "in", list(ids))]])
            invoices = self.env["account.move"].sudo().search(domain, order="invoice_date_due, id")
        return invoices.filtered(lambda move: move._is_open_invoice())

    @api.model
    def _get_link_confirmations(self, link, limit=20):
        """The confirmations a link's holder may see the status of (sudo)."""
        domain = [("company_id", "=", link.company_id.id)]
        if link.scope == "invoice":
            domain.append(("invoice_ids", "in", link.move_id.ids))
        else:
            domain.append(("partner_id", "=", link.partner_id.id))
        return self.sudo().search(domain, limit=limit)

    @api.model
    def _parse_amount(self, text):
        """An amount as people type it (``1 250,50``, ``1,250.50``) through the
        addon's one parser (``tools.parsing.parse_amount``), or None."""
        text = "".join((text or "").split())
        if "," in text and "." in text:
            text = text.replace(",", "")
        return parse_amount(text.replace(",", "."))

    @api.model
    def _validate_submission(self, link, form, proof):  # noqa: C901 (one flat list of checks)
        """Check what a customer typed; return ``(values, errors)``.

        ``form`` holds the raw strings of the request (``invoice_ids`` a list),
        ``proof`` is ``(filename, bytes, too_large)`` or ``None``. Invoices,
        amount due and currency come from the link, never from the request.
        """
        company = link.company_id
        errors = {}
        values = {}
        wanted = set()
        for raw_id in form.get("invoice_ids") or []:
            # ASCII digits of a PostgreSQL id ("²".isdigit() is true too).
            if not parse_id(raw_id):
                errors["invoice_ids"] = _("Choose invoices from this page only.")
                break
            wanted.add(parse_id(raw_id))
        allowed = self._get_link_open_invoices(link, wanted)
        invoices = allowed.filtered(lambda m: m.id in wanted)
        if "invoice_ids" not in errors:
            if len(invoices) != len(wanted):
                errors["invoice_ids"] = _(
                    "One of the chosen invoices cannot be confirmed from this page: it is paid,"
                    " cancelled or not one of yours."
                )
            elif not invoices:
                errors["invoice_ids"] = _("Choose the invoice(s) you paid.")
            elif len(invoices.currency_id) > 1:
                errors["invoice_ids"] = _("Choose invoices in one currency per transfer.")
        values["invoices"] = invoices

        currency = invoices.currency_id[:1] or allowed.currency_id[:1] or company.currency_id
        amount = self._parse_amount(form.get("amount"))
        if not (form.get("amount") or "").strip():
            errors["amount"] = _("Enter the amount you transferred.")
        elif amount is None:
            errors["amount"] = _("Enter the amount as a number, e.g. 1250.00.")
        elif currency.compare_amounts(amount, 0) <= 0:
            errors["amount"] = _("The amount must be more than zero.")
        elif invoices and "invoice_ids" not in errors:
            due = sum(invoices._get_amount_due_totals("residual").values())
            too_much = currency.compare_amounts(amount, due) > 0
            if too_much and not company.payment_confirmation_allow_overpayment:
                errors["amount"] = _(
                    "The amount is more than the %(due)s due on the chosen invoices.",
                    due=currency.format(due),
                )
        values["amount"] = currency.round(amount) if amount is not None else 0.0

        try:
            transfer_date = fields.Date.to_date((form.get("transfer_date") or "").strip())
        except ValueError:
            transfer_date = None
            errors["transfer_date"] = _("Enter the date of the transfer.")
        if not transfer_date:
            errors.setdefault("transfer_date", _("Enter the date of the transfer."))
        elif transfer_date > fields.Date.context_today(self):
            errors["transfer_date"] = _("The transfer date cannot be in the future.")
        elif transfer_date < self._get_oldest_transfer_date(invoices):
            errors["transfer_date"] = _("The transfer date is too far in the past.")
        values["transfer_date"] = transfer_date

        reference = (form.get("bank_reference") or "").strip()
        if len(reference) > MAX_REFERENCE_LENGTH:
            errors["bank_reference"] = _(
                "Keep the reference under %(max)s characters.", max=MAX_REFERENCE_LENGTH
            )
        values["bank_reference"] = reference
        note = (form.get("note") or "").strip()
        if len(note) > MAX_NOTE_LENGTH:
            errors["note"] = _("Keep the note under %(max)s characters.", max=MAX_NOTE_LENGTH)
        values["note"] = note

        max_mb = company.payment_confirmation_max_size or 5
        if not proof:
            if company.payment_confirmation_proof_required:
                errors["proof"] = _("Attach a proof of the transfer (PDF, JPEG or PNG).")
        else:
            filename, data, too_large = proof
            if too_large or len(data) > max_mb * 1024 * 1024:
                errors["proof"] = _("The file is larger than %(max)s MB.", max=max_mb)
            elif not data:
                errors["proof"] = _("The file is empty.")
            elif not sniff_proof(data):
                errors["proof"] = _("The proof must be a PDF, JPEG or PNG file.")
            else:
                values["proof"] = (filename, data)
        return values, errors

    @api.model
    def _check_rate_limit(self, link):
        """True if the link may submit again (the keyed throttle's
        ``_confirmation_rule``); serialises submissions of one link."""
        self.env.cr.execute(
            "SELECT id FROM islebooks_payment_link WHERE id = %s FOR UPDATE", [link.id]
        )
        Throttle = self.env["islebooks.payment.link.throttle"].sudo()
        return not Throttle._retry_after(*Throttle._confirmation_rule(link))

    @api.model
    def _create_from_link(self, link, invoices, values, proof=None):
        """Record a customer's confirmation; ``proof`` is ``(filename, bytes)``.

        Called with sudo by the website once the link and every value have
        been validated; the proof is attached to the confirmation only.
        """
        company = link.company_id
        confirmation = self.sudo().create(
            {
                "link_id": link.id,
                "partner_id": link.partner_id.id,
                "company_id": company.id,
                "invoice_ids": [fields.Command.set(invoices.ids)],
                "currency_id": invoices.currency_id.id,
                "amount": values["amount"],
                "transfer_date": values["transfer_date"],
                "bank_reference": values.get("bank_reference") or False,
                "note": values.get("note") or False,
                "journal_id": company.payment_confirmation_journal_id.id,
            }
        )
        if proof:
            filename, data = proof
            mimetype, extension = sniff_proof(data)
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": f"proof-{confirmation.id}.{extension}",
                        "description": filename[:200] if filename else False,
                        "raw": data,
                        "mimetype": mimetype,
                        "res_model": self._name,
                        "res_id": confirmation.id,
                        "public": False,
                    }
                )
            )
            confirmation.proof_attachment_id = attachment
        confirmation._notify_reviewer()
        # Counted against the link's hourly limit with the confirmation: a
        # submission that is rolled back counts for nothing.
        Throttle = self.env["islebooks.payment.link.throttle"].sudo()
        key, _limit, window = Throttle._confirmation_rule(link)
        Throttle._hit(key, window, keep_on_rollback=False)
        return confirmation

    def _notify_reviewer(self):
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for confirmation in self:
            invoice_names = ", ".join(confirmation.invoice_ids.mapped("name"))
            confirmation.message_post(
                body=_(
                    "Customer reported a bank transfer for %(invoices)s.", invoices=invoice_names
                ),
                subtype_xmlid="mail.mt_note",
            )
            # One batch insert for all invoices, not one message_post each.
            confirmation.invoice_ids._message_log_batch(
                bodies=dict.fromkeys(
                    confirmation.invoice_ids.ids,
                    _("The customer reported a bank transfer: it awaits review."),
                )
            )
            # Only real, active staff get the activity (not OdooBot or a portal user).
            user = (
                confirmation.company_id.payment_confirmation_user_id
                | confirmation.invoice_ids.invoice_user_id
            ).filtered(lambda u: u.active and not u.share)[:1]
            if todo and user:
                confirmation.activity_schedule(
                    activity_type_id=todo.id,
                    summary=_("Review bank transfer confirmation"),
                    note=_("Check the bank statement, then approve or reject."),
                    user_id=user.id,
                )

    # ------------------------------------------------------------------
    # Review
    # ------------------------------------------------------------------

    def _lock_for_review(self):
        """Lock the rows so two reviewers can never both approve them."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM islebooks_payment_confirmation WHERE id IN %s "
                    "FOR UPDATE NOWAIT",
                    [tuple(self.ids)],
                )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                _("Someone else is reviewing this confirmation right now. Try again in a moment.")
            ) from None
        self.invalidate_recordset(["state"])

    def _check_pending(self):
        for confirmation in self:
            if confirmation.state != "pending":
                raise UserError(
                    _(
                        "%(name)s was already %(state)s.",
                        name=confirmation.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            confirmation.state
                        ].lower(),
                    )
                )

    def action_approve(self):
        check_staff_access(self.env)
        self.check_access("write")
        self._lock_for_review()
        self._check_pending()
        for confirmation in self:
            confirmation._approve()
        return True

    def _approve(self):
        self.ensure_one()
        invoices = self.invoice_ids
        # An online payment of the same invoices locks them too: one waits for
        # the other, and the residual below is the one after it.
        invoices._lock_for_settlement()
        closed = invoices.filtered(lambda move: not move._is_open_invoice())
        if closed:
            raise UserError(
                _(
                    "%(invoices)s no longer has anything to pay (paid, cancelled or reset "
                    "meanwhile). Reject this confirmation or check the payments already "
                    "registered.",
                    invoices=", ".join(closed.mapped("name")),
                )
            )
        if not self.journal_id:
            raise UserError(_("Choose the journal to post the payment to before approving."))
        # Amount, date, invoices of its customer and company: held by the constraints.
        due = sum(invoices._get_amount_due_totals("residual").values())
        over = float_compare(self.amount, due, precision_rounding=self.currency_id.rounding) > 0
        if over and not self.company_id.payment_confirmation_allow_overpayment:
            raise UserError(
                _(
                    "The amount (%(amount)s) is more than what is still due (%(due)s).",
                    amount=self.currency_id.format(self.amount),
                    due=self.currency_id.format(due),
                )
            )
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(
                {
                    "journal_id": self.journal_id.id,
                    "payment_date": self.transfer_date,
                    "group_payment": True,
                }
            )
        )
        if not wizard.can_edit_wizard:
            raise UserError(
                _(
                    "These invoices cannot be paid by one payment (different accounts or bank "
                    "accounts). Register their payments from the invoices instead."
                )
            )
        wizard.write(
            {
                "amount": self.amount,
                "currency_id": self.currency_id.id,
                "payment_difference_handling": "open",
                "communication": self.bank_reference or wizard.communication,
            }
        )
        payments = wizard._create_payments()
        self.sudo().write(
            {
                "state": "approved",
                "payment_ids": [fields.Command.set(payments.ids)],
                "reviewed_by_id": self.env.uid,
                "reviewed_at": fields.Datetime.now(),
            }
        )
        self.activity_feedback(["mail.mail_activity_data_todo"])
        self.company_id._send_payment_receipts(payments)
        self.message_post(
            body=_(
                "Approved: payment %(payments)s registered.",
                payments=", ".join(payments.mapped("name")),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def action_open_reject_wizard(self):
        check_staff_access(self.env)
        self._check_pending()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject confirmation"),
            "res_model": "islebooks.payment.confirmation.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_confirmation_ids": self.ids},
        }

    def _reject(self, reason):
        if not (reason or "").strip():
            raise UserError(_("Give the customer a reason for the rejection."))
        check_staff_access(self.env)
        self.check_access("write")
        self._lock_for_review()
        self._check_pending()
        self.sudo().write(
            {
                "state": "rejected",
                "reject_reason": reason.strip(),
                "reviewed_by_id": self.env.uid,
                "reviewed_at": fields.Datetime.now(),
            }
        )
        self.activity_unlink(["mail.mail_activity_data_todo"])
        template = self.env.ref(
            "islebooks_payment_links.mail_template_payment_confirmation_rejected",
            raise_if_not_found=False,
        )
        for confirmation in self.sudo():
            if (
                template
                and confirmation.company_id.payment_link_receipt_email
                and confirmation.partner_id.email
            ):
                template.sudo().send_mail(confirmation.id)
        return True

    def action_view_payments(self):
        self.ensure_one()
        return self.payment_ids._get_records_action(name=_("Payments"))
