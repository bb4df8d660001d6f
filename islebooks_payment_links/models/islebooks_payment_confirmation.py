from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools.access import check_protected_write
from ..tools.constants import CONFIRMATION_STAFF_WRITABLE_FIELDS, MAX_TRANSFER_AGE
from ..tools.parsing import MAX_AMOUNT


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
        check_protected_write(self, vals, CONFIRMATION_STAFF_WRITABLE_FIELDS | self._mail_fields())
        if not self.env.su and set(vals) & CONFIRMATION_STAFF_WRITABLE_FIELDS:
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
