from psycopg2.errors import LockNotAvailable

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools.sql import create_index

from ..tools.locks import PAYMENT_START, try_advisory_locks
from ..tools.qr import qr_png_base64
from .islebooks_payment_link import STAFF_GROUP, check_protected_write, check_staff_access

LINKABLE_MOVE_TYPES = ("out_invoice", "out_refund")
ADDON_MANAGED_FIELDS = frozenset({"payment_link_ids", "payment_confirmation_ids"})
# A document is open while its payment state says something is left to pay:
# the part of core's ``_has_to_be_paid()`` about the invoice itself (see
# ``_is_link_open``). ``in_payment`` has nothing left to pay (zero residual).
OPEN_PAYMENT_STATES = ("not_paid", "partial")
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")
# How long a payment start waits for another transaction's write of the
# invoice (a job storing its PDF, a payment being registered) before it tells
# the customer the invoice is being updated.
PAYMENT_TOUCH_WAIT = "5s"


class AccountMove(models.Model):
    _inherit = "account.move"

    # Links are bearer credentials: only invoicing staff see them (a sudo-free
    # compute then applies the links' company rule too).
    payment_link_ids = fields.One2many(
        "islebooks.payment.link",
        "move_id",
        string="Payment links",
        readonly=True,
        groups=STAFF_GROUP,
    )
    # Not stored: which link is live depends on the clock (expiry) too.
    payment_link_id = fields.Many2one(
        "islebooks.payment.link",
        string="Payment link",
        compute="_compute_payment_link",
        search="_search_payment_link",
        groups=STAFF_GROUP,
        help="The link currently shared with the customer for this invoice.",
    )
    # Read as the user (related_sudo=False): the links' company rule and the
    # token's group apply to what the invoice shows.
    payment_link_url = fields.Char(
        "Payment link URL", related="payment_link_id.url", related_sudo=False, groups=STAFF_GROUP
    )
    payment_link_expires_at = fields.Datetime(
        related="payment_link_id.expires_at", related_sudo=False, groups=STAFF_GROUP
    )
    payment_link_first_viewed_at = fields.Datetime(
        related="payment_link_id.first_viewed_at", related_sudo=False, groups=STAFF_GROUP
    )
    payment_link_last_viewed_at = fields.Datetime(
        related="payment_link_id.last_viewed_at", related_sudo=False, groups=STAFF_GROUP
    )
    payment_link_view_count = fields.Integer(
        related="payment_link_id.view_count", related_sudo=False, groups=STAFF_GROUP
    )
    payment_link_amount_due = fields.Monetary(
        "Amount to pay now",
        compute="_compute_payment_link_amount_due",
        currency_field="currency_id",
        groups="account.group_account_invoice",
        help="What paying online asks today under the payment terms: the discounted balance "
        "while an early-payment discount runs, the next (or overdue) installment, else the "
        "amount due.",
    )
    payment_confirmation_ids = fields.Many2many(
        "islebooks.payment.confirmation",
        "islebooks_payment_confirmation_move_rel",
        "move_id",
        "confirmation_id",
        string="Bank transfer confirmations",
        readonly=True,
        copy=False,
        groups=STAFF_GROUP,
    )
    payment_confirmation_pending_count = fields.Integer(
        compute="_compute_payment_confirmation_pending_count",
        groups="account.group_account_invoice",
    )
    payment_link_stale_tx_count = fields.Integer(
        "Unfinished link payments",
        compute="_compute_payment_link_stale_tx_count",
        groups="account.group_account_invoice",
        help="Online payments started through a payment link over an hour ago and never "
        "finished: they keep the customer from paying again until cleared.",
    )

    def init(self):
        res = super().init()
        # Every customer page selects a customer's documents by commercial
        # partner, which Odoo leaves unindexed: each query scanned all the
        # invoices (bench/: 5 ms at 20,000, growing with the database).
        create_index(
            self.env.cr,
            "account_move__commercial_partner_id_index",
            self._table,
            ["commercial_partner_id"],
        )
        # The Customer Portal's two lists, a page of a customer's open invoices by
        # due date and of its settled documents by date: without them PostgreSQL
        # walks the whole date index for the first 20 rows of one customer
        # (bench/: 15 ms each at 20,000 invoices, growing with the database).
        create_index(
            self.env.cr,
            "account_move_payment_link_posted_due_index",
            self._table,
            ["commercial_partner_id", "invoice_date_due", "id"],
            where="state = 'posted' AND move_type IN ('out_invoice', 'out_refund')",
        )
        create_index(
            self.env.cr,
            "account_move_payment_link_settled_date_index",
            self._table,
            ["commercial_partner_id", "invoice_date", "id"],
            where="state = 'posted' AND payment_state IN %s" % (SETTLED_PAYMENT_STATES,),
        )
        return res

    def write(self, vals):
        # Links and confirmations are the addon's, never set over RPC.
        check_protected_write(self, ADDON_MANAGED_FIELDS & set(vals), ())
        if "partner_id" not in vals and "company_id" not in vals:
            return super().write(vals)
        live = (
            self.env["islebooks.payment.link"]
            .sudo()
            .search(
                [
                    ("scope", "=", "invoice"),
                    ("move_id", "in", self.ids),
                    ("revoked_at", "=", False),
                ]
            )
        )
        res = super().write(vals)
        # A link belongs to its customer: an invoice given to another customer
        # (or company) no longer opens through the old one's link.
        stale = live.filtered(
            lambda link: (
                link.partner_id != link.move_id.commercial_partner_id
                or link.company_id != link.move_id.company_id
            )
        )
        stale._revoke(
            invoice_note=_(
                "Payment link revoked: the invoice's customer changed, so the link sent to "
                "the previous customer no longer opens it. The next link handed out is new."
            )
        )
        return res

    @api.depends("payment_link_ids.revoked_at", "payment_link_ids.expires_at")
    def _compute_payment_link(self):
        for move in self:
            move.payment_link_id = move.payment_link_ids.filtered(
                lambda link: link.state == "active"
            )[:1]

    def _search_payment_link(self, operator, value):
        """Invoices whose live link is one of ``value`` (ids): also what tells the
        related fields which invoices to refresh when a link changes."""
        if operator not in ("in", "="):
            raise UserError(_("Unsupported search on the payment link."))
        ids = [value] if isinstance(value, int) else list(value or ())
        links = self.env["islebooks.payment.link"].search(
            [("id", "in", ids), ("scope", "=", "invoice"), ("state", "=", "active")]
        )
        return [("id", "in", links.move_id.ids)]

    # ------------------------------------------------------------------
    # Open / settled: the one definition every page, message and check uses
    # ------------------------------------------------------------------

    @api.model
    def _get_link_open_domain(self, move_type="out_invoice"):
        """Domain of the open documents of ``move_type``: ``_is_link_open`` in SQL."""
        return [
            ("move_type", "=", move_type),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
        ]

    @api.model
    def _get_link_settled_domain(self):
        """Domain of the settled documents (paid, in payment, reversed)."""
        return [("payment_state", "in", SETTLED_PAYMENT_STATES)]

    @api.model
    def _get_link_open_and_settled(self, domain):
        """``(open, settled_count)`` of the documents of ``domain``, from one
        grouped query: ``open`` is ``[(currency, residual, count)]`` of its open
        invoices (``_get_link_open_domain``), ``settled_count`` how many of
        them are settled (``_get_link_settled_domain``)."""
        groups = self.sudo()._read_group(
            expression.AND(
                [
                    domain,
                    expression.OR([self._get_link_open_domain(), self._get_link_settled_domain()]),
                ]
            ),
            ["currency_id", "payment_state"],
            ["amount_residual:sum", "__count"],
        )
        open_totals = {}
        settled_count = 0
        for currency, payment_state, amount, count in groups:
            if payment_state in SETTLED_PAYMENT_STATES:
                settled_count += count
            else:  # the other half of the domain: open invoices
                residual, total = open_totals.get(currency, (0.0, 0))
                open_totals[currency] = (residual + amount, total + count)
        return [(currency, *values) for currency, values in open_totals.items()], settled_count

    def _is_link_open(self):
        """Whether this is a posted customer invoice with something left to pay.

        Core's ``_has_to_be_paid()`` without its two conditions that are not
        about the invoice: the switch of Odoo's own portal payments
        (``account_payment.enable_portal_payment``, which a payment link does
        not depend on) and the transactions in progress, which
        ``_get_payment_blocker`` reports with their own message.
        """
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in OPEN_PAYMENT_STATES
            and not self.currency_id.is_zero(self.amount_residual)
        )

    def _is_link_settled(self):
        """Whether a posted document has nothing left to pay (the "Paid" badge)."""
        self.ensure_one()
        return self.state == "posted" and (
            self.payment_state in SETTLED_PAYMENT_STATES
            or self.currency_id.is_zero(self.amount_residual)
        )

    def _get_link_status(self):
        """``{move id: status}``: the one status badge every customer page shows
        (``payment_link_invoice_status`` maps it to its label): "cancelled",
        "draft" (being updated), "paid" (nothing left to pay, like Odoo's
        portal even before the bank statement is reconciled), "processing"
        (an online payment pending or authorized), "credit_note", "overdue"
        (due before today in the visitor's time zone, ``context_today``) or
        "unpaid". The open ones' transactions are read for all of them at once
        (one grouped query), unless the page has read them already."""
        today = fields.Date.context_today(self)
        open_moves = self.filtered(
            lambda move: move.state == "posted" and not move._is_link_settled()
        )
        busy = ("pending", "authorized")
        open_moves = open_moves.sudo()
        unread = self.env.cache.get_missing_ids(open_moves, self._fields["transaction_ids"])
        if any(True for _id in unread):
            # One grouped query for the open moves of a list.
            groups = (
                self.env["payment.transaction"]
                .sudo()
                ._read_group(
                    [("invoice_ids", "in", open_moves.ids), ("state", "in", busy)], ["invoice_ids"]
                )
            )
            processing = {invoice.id for (invoice,) in groups}
        else:
            # Already read by the page (the invoice page's payment blocker): no query.
            processing = {
                move.id
                for move in open_moves
                if any(tx.state in busy for tx in move.transaction_ids)
            }
        statuses = {}
        for move in self:
            if move.state == "cancel":
                status = "cancelled"
            elif move.state == "draft":
                status = "draft"
            elif move not in open_moves:
                status = "paid"
            elif move.id in processing:
                status = "processing"
            elif move.move_type == "out_refund":
                status = "credit_note"
            elif move.invoice_date_due and move.invoice_date_due < today:
                status = "overdue"
            else:
                status = "unpaid"
            statuses[move.id] = status
        return statuses

    @api.depends("amount_residual", "line_ids.amount_residual", "invoice_payment_term_id")
    def _compute_payment_link_amount_due(self):
        asked = self._get_link_asked_amounts() if self.ids else {}
        for move in self:
            move.payment_link_amount_due = asked.get(move.id, move.amount_residual)

    @staticmethod
    def _raise_problems(title, problems):
        """One UserError for a whole selection: the title, then a bullet per document."""
        if problems:
            raise UserError(title + "\n" + "\n".join(f"• {problem}" for problem in problems))

    def _check_payment_link_allowed(self):
        """Raise a UserError naming every move a payment link cannot be made for."""
        problems = []
        for move in self:
            if move.move_type not in LINKABLE_MOVE_TYPES:
                problems.append(_("%(name)s is not a customer invoice", name=move.display_name))
            elif move.state != "posted":
                problems.append(
                    _(
                        "%(name)s is %(state)s: post it first",
                        name=move.display_name,
                        state=dict(move._fields["state"]._description_selection(self.env))[
                            move.state
                        ].lower(),
                    )
                )
        self._raise_problems(
            _("Payment links are only for posted customer invoices and credit notes."), problems
        )

    def _get_payment_links(self):
        """The live link of each move, created where missing (one batch)."""
        self._check_payment_link_allowed()
        return self.env["islebooks.payment.link"]._get_or_create("invoice", self)

    def _get_payment_blocker(self):
        """Why this invoice cannot be paid online right now, or an empty string."""
        self.ensure_one()
        if self.state == "cancel":
            return _("This invoice was cancelled: there is nothing to pay.")
        if self.state == "draft":
            return self._get_updating_message()
        if self.move_type != "out_invoice":
            return _("This document cannot be paid online.")
        if self._is_link_settled():
            return _("This invoice is paid.")
        if not self._is_link_open():  # e.g. payment blocked by the accountant
            return _("This document cannot be paid online.")
        # A done transaction not yet post-processed has not registered its
        # payment yet: the residual still shows the amount it is paying.
        pending = self.transaction_ids.filtered(
            lambda tx: (
                tx.provider_code not in ("none", "custom")
                and (
                    tx.state in ("pending", "authorized")
                    or (tx.state == "done" and not tx.is_post_processed)
                )
            )
        )
        if pending:
            return _("A payment is being processed for this invoice.")
        return ""

    def _lock_for_link_payment(self):
        """Start a payment of these invoices, or raise a ValidationError.

        One payment of an invoice starts at a time: the attempt holds a
        transaction-level advisory lock on each invoice (``PAYMENT_START``),
        tried without waiting, so a concurrent attempt is refused at once with
        "Please wait" rather than queue up and pay twice. Only a payment attempt
        takes that lock: the addon's background work (legal PDFs, reminders)
        never turns a customer away.

        Odoo runs requests in REPEATABLE READ, so the lock alone is not enough:
        an attempt that started before another one committed would not see its
        transaction. Touching the rows and locking the invoices' transactions
        makes such a stale attempt fail with a serialization error, which Odoo's
        request loop retries with a fresh snapshot. Jobs write an invoice row
        only briefly, so the touch waits for such a write, but at most
        ``PAYMENT_TOUCH_WAIT``: an invoice held longer is being updated.
        """
        if not self:
            return
        cr = self.env.cr
        if len(try_advisory_locks(cr, PAYMENT_START, self.ids)) < len(self):
            raise ValidationError(
                _("A payment is already being started for this invoice. Please wait a moment.")
            )
        try:
            with cr.savepoint(flush=False):
                # Restored by the savepoint's rollback, and by hand below.
                cr.execute("SELECT current_setting('lock_timeout')")
                previous_timeout = cr.fetchone()[0]
                cr.execute("SELECT set_config('lock_timeout', %s, true)", [PAYMENT_TOUCH_WAIT])
                # A new row version (values unchanged): a concurrent attempt
                # whose snapshot predates this one's commit then gets a
                # serialization failure, and Odoo retries its request with
                # fresh data instead of missing this payment.
                cr.execute(
                    """
                    UPDATE account_move SET write_date = write_date
                     WHERE id IN (SELECT id FROM account_move WHERE id IN %s
                                   ORDER BY id FOR NO KEY UPDATE)
                    """,
                    [tuple(self.ids)],
                    log_exceptions=False,
                )
                cr.execute("SELECT set_config('lock_timeout', %s, true)", [previous_timeout])
        except LockNotAvailable:
            raise ValidationError(self[:1]._get_updating_message()) from None
        try:
            with cr.savepoint(flush=False):
                # A payment of the invoice being confirmed or processed right now.
                cr.execute(
                    """
                    SELECT tx.id
                      FROM payment_transaction tx
                      JOIN account_invoice_transaction_rel rel ON rel.transaction_id = tx.id
                     WHERE rel.invoice_id IN %s
                     ORDER BY tx.id
                       FOR UPDATE OF tx NOWAIT
                    """,
                    [tuple(self.ids)],
                    log_exceptions=False,
                )
        except LockNotAvailable:
            raise ValidationError(
                _("A payment is already being started for this invoice. Please wait a moment.")
            ) from None
        self.invalidate_recordset(["amount_residual", "payment_state", "transaction_ids"])
        for move in self:
            if blocker := move._get_payment_blocker():
                raise ValidationError(blocker)

    def _get_updating_message(self):
        return _(
            "This invoice is being updated and cannot be paid for now. "
            "Please try again later or contact %(company)s.",
            company=self.company_id.name,
        )

    def _lock_for_settlement(self):
        """Lock these invoices before registering a payment on them (waits).

        An approved bank-transfer confirmation and an online payment of the
        same invoices then run one after the other; in REPEATABLE READ the
        second one gets a serialization failure, which Odoo retries with a
        fresh snapshot that shows what the first one paid. ``NO KEY UPDATE``,
        the lock a write takes: records created meanwhile that point to the
        invoice (links, queued PDFs) do not wait for it.
        """
        if self:
            self.env.cr.execute(
                "SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                [tuple(self.ids)],
            )
            self.invalidate_recordset(["amount_residual", "payment_state"])

    def _get_stale_link_transactions(self):
        Transaction = self.env["payment.transaction"].sudo()
        return Transaction.search(
            [("invoice_ids", "in", self.ids), *Transaction._islebooks_stale_domain()]
        )

    def _compute_payment_link_stale_tx_count(self):
        stale = self._get_stale_link_transactions()
        for move in self:
            move.payment_link_stale_tx_count = len(
                stale.filtered(lambda tx, move=move: move in tx.invoice_ids)
            )

    def action_clear_stale_link_payments(self):
        """Cancel the link payments of these invoices the customer never finished.

        Only online payments (not wire transfers) started over an hour ago; a
        provider that confirms one after all still gets it recorded.
        """
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only invoicing users can clear unfinished payments."))
        self.check_access("write")
        stale = self._get_stale_link_transactions()
        if stale:
            stale.islebooks_superseded = True
            stale._set_canceled(
                state_message=_(
                    "Cleared by %s: the customer never finished it.", self.env.user.name
                )
            )
            for move in self:
                move.message_post(
                    body=_("Unfinished online payment cleared: the invoice can be paid again."),
                    subtype_xmlid="mail.mt_note",
                )
        return True

    def action_regenerate_payment_link(self):
        check_staff_access(self.env)
        self.payment_link_id.action_regenerate()
        return True

    def action_copy_payment_link(self):
        check_staff_access(self.env)
        self.check_access("read")
        self._check_payment_link_allowed()
        self.company_id._check_payment_link_readiness()
        links = self._get_payment_links()
        return {
            "type": "ir.actions.client",
            "tag": "islebooks_copy_payment_links",
            "params": {
                # The link's id and company: Share… names the company and notes the share.
                "links": [
                    {
                        "id": link.id,
                        "name": move.name,
                        "url": link.url,
                        "company": move.company_id.name,
                    }
                    for move, link in zip(self, links, strict=True)
                ],
            },
        }

    def action_revoke_payment_link(self):
        check_staff_access(self.env)
        self.payment_link_id.action_revoke()
        return True

    # ------------------------------------------------------------------
    # Send via WhatsApp
    # ------------------------------------------------------------------

    def _check_whatsapp_sendable(self):
        """Raise a UserError naming every invoice a payment request makes no sense for."""
        problems = []
        for move in self:
            if move.move_type != "out_invoice":
                problems.append(_("%(name)s is not a customer invoice", name=move.display_name))
            elif move.state != "posted":
                problems.append(
                    _("%(name)s is not posted: confirm it first", name=move.display_name)
                )
            elif move._is_link_settled():
                problems.append(
                    _(
                        "%(name)s of %(customer)s is already paid: nothing to ask for",
                        name=move.name,
                        customer=move.partner_id.display_name,
                    )
                )
            elif not move._is_link_open():
                problems.append(
                    _("%(name)s cannot be paid online (payment blocked)", name=move.name)
                )
        self._raise_problems(
            _("Only posted, unpaid customer invoices can be sent via WhatsApp."), problems
        )

    def action_send_whatsapp(self):
        """Open WhatsApp with the payment message (one customer) or the wizard (several)."""
        if not self.env.user.has_group(STAFF_GROUP):
            raise AccessError(_("Only invoicing users can send invoices via WhatsApp."))
        self.check_access("read")
        if not self:
            raise UserError(_("Select the invoices to send via WhatsApp."))
        return self.env["islebooks.whatsapp.send"]._action_send(self)

    # ------------------------------------------------------------------
    # Bank-transfer confirmations
    # ------------------------------------------------------------------

    @api.depends("payment_confirmation_ids.state")
    def _compute_payment_confirmation_pending_count(self):
        groups = self.env["islebooks.payment.confirmation"]._read_group(
            [("invoice_ids", "in", self.ids), ("state", "=", "pending")],
            ["invoice_ids"],
            ["__count"],
        )
        counts = {move.id: count for move, count in groups}
        for move in self:
            move.payment_confirmation_pending_count = counts.get(move.id, 0)

    def action_view_payment_confirmations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "islebooks_payment_links.islebooks_payment_confirmation_action"
        )
        action["domain"] = [("invoice_ids", "in", self.ids)]
        action["context"] = {}
        return action

    def _get_payment_link_qr_image(self):
        """A data URI of a QR code of the active payment link, for the invoice PDF.

        Inline, so wkhtmltopdf needs no HTTP request to draw it. Only where the
        company prints it and the customer still has something to pay.
        """
        self.ensure_one()
        move = self.sudo()
        url = move.payment_link_url
        if not url or not move.company_id.payment_link_pdf_qr or not move._is_link_open():
            return False
        return "data:image/png;base64," + qr_png_base64(url, box_size=6)

    # ------------------------------------------------------------------
    # What the invoice asks today (payment terms), as Odoo's own page does
    # ------------------------------------------------------------------

    def _get_link_payment_values(self):
        """What paying this invoice online asks for today, from its payment terms.

        Read from ``_get_invoice_next_payment_values()`` as Odoo's own invoice
        page does: while an early-payment discount runs, the discounted balance
        (and its deadline); with installments, the next one or the sum of the
        overdue ones, the whole balance being the other choice; otherwise the
        amount due. Keys: ``amount`` (what Pay asks by default), ``full_amount``
        (paying everything: the discounted balance while the discount runs),
        ``residual``, ``due_date`` (of ``amount``), ``installment_label``,
        ``epd_discount`` / ``epd_message`` / ``discount_date``.
        """
        self.ensure_one()
        residual = self.amount_residual
        values = {
            "amount": residual,
            "full_amount": residual,
            "residual": residual,
            "due_date": self.invoice_date_due,
            "installment_state": False,
            "installment_label": "",
            "epd_discount": 0.0,
            "epd_message": "",
            "discount_date": False,
        }
        if not self._is_link_open():
            return values
        odoo_values = self._get_invoice_next_payment_values()
        state = odoo_values.get("installment_state")
        if state == "epd":
            # Odoo's naming: with a discount, amount_due is the discounted balance.
            discount_date = fields.Date.to_date(odoo_values["discount_date"])
            values.update(
                amount=odoo_values["amount_due"],
                full_amount=odoo_values["amount_due"],
                due_date=discount_date,
                installment_state=state,
                epd_discount=odoo_values["epd_discount_amount_currency"],
                epd_message=odoo_values["epd_discount_msg"],
                discount_date=discount_date,
            )
        elif state in ("next", "overdue"):
            open_installments = odoo_values["not_reconciled_installments"]
            count = len(self.line_ids.filtered(lambda line: line.display_type == "payment_term"))
            if state == "overdue":
                numbers = [inst["number"] for inst in open_installments if inst["type"] == state]
            else:
                numbers = [open_installments[0]["number"]]
            if len(numbers) == 1:
                label = _("Installment %(number)s of %(count)s", number=numbers[0], count=count)
            else:
                label = _(
                    "Installments %(numbers)s of %(count)s",
                    numbers=", ".join(map(str, numbers)),
                    count=count,
                )
            values.update(
                amount=odoo_values["next_amount_to_pay"],
                due_date=odoo_values["next_due_date"],
                installment_state=state,
                installment_label=label,
            )
        return values

    def _get_ids_asking_by_terms(self):
        """Ids of these invoices whose payment terms decide what is asked today:
        a running early-payment discount or several open installments (one
        grouped query; the others simply ask for their amount due)."""
        today = fields.Date.context_today(self)
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("move_id", "in", self.ids),
                    ("display_type", "=", "payment_term"),
                    ("reconciled", "=", False),
                ],
                ["move_id"],
                ["__count", "discount_date:max"],
            )
        )
        return {
            move.id
            for move, count, discount_date in groups
            if count > 1 or (discount_date and discount_date >= today)
        }

    def _get_link_asked_amounts(self):
        """``{invoice id: amount}``: what each invoice asks today (see
        ``_get_link_payment_values``), for many invoices at once (see
        ``_get_link_payment_value_by_id``)."""
        return self._get_link_payment_value_by_id("amount")

    def _get_link_payment_value_by_id(self, key):
        """``{invoice id: _get_link_payment_values()[key]}`` for many invoices at once.

        ``key`` is ``"amount"`` or ``"due_date"``. Only invoices with a running
        discount or several open installments read their payment terms (one
        grouped query finds them); the others ask for their amount due by their
        due date, so "Pay all" and the reminders cost the same for 1,000
        invoices without terms as for 10.
        """
        if not self:
            return {}
        if len(self) == 1:
            # One invoice (its page, its payment): its own terms, read from the
            # lines the page reads anyway, rather than one more grouped query.
            return {self.id: self._get_link_payment_values()[key]}
        # What _get_link_payment_values gives for `key` when the terms decide nothing.
        without_terms = {"amount": "amount_residual", "due_date": "invoice_date_due"}[key]
        with_terms = self._get_ids_asking_by_terms()
        return {
            move.id: (
                move._get_link_payment_values()[key]
                if move.id in with_terms
                else move[without_terms]
            )
            for move in self
        }

    def _get_link_totals(self):
        """``{currency: what these invoices ask today}`` (``_get_link_asked_amounts``
        summed per currency, in the invoices' order): the one total of the
        payment checks, the pages and the messages."""
        asked = self._get_link_asked_amounts()
        totals = {}
        for move in self:
            totals[move.currency_id] = totals.get(move.currency_id, 0.0) + asked[move.id]
        return {currency: currency.round(amount) for currency, amount in totals.items()}

    def _get_link_page_lines(self):
        """The lines the payment page lists: ``invoice_line_ids``, in their order,
        taken from ``line_ids`` (which the payment terms have read already) with
        the taxes of every line fetched at once (the totals read them too)."""
        self.ensure_one()
        lines = self.line_ids
        lines.fetch(["tax_ids"])  # one query for the listed lines and the totals
        return lines.filtered(
            lambda line: line.display_type in ("product", "line_section", "line_note")
        )

    def _get_link_page_totals(self):
        """The totals block of the payment page, from the stored journal items.

        What Odoo's ``tax_totals`` shows (``account.document_tax_totals``),
        without running the tax engine again: the untaxed amount (the product
        lines, and the early-payment discount lines, which net to zero), one
        row per tax group of the tax lines in the groups' order (a "biggest
        tax" cash rounding line counts in its tax's group, as in Odoo), the
        groups' own subtotals (``preceding_subtotal``), the cash rounding line
        and the total, all in the invoice's currency. Keys: ``subtotals``
        (``name``, False for "Untaxed Amount"; ``amount``; ``tax_groups``:
        ``name``, ``amount``), ``rounding`` (False without a rounding line),
        ``total``.
        """
        self.ensure_one()
        sign = self.direction_sign
        untaxed = rounding = 0.0
        has_rounding = False
        taxes = {}
        for line in self.line_ids:
            amount = sign * line.amount_currency
            if line.tax_repartition_line_id:
                taxes[line.tax_group_id] = taxes.get(line.tax_group_id, 0.0) + amount
            elif line.display_type in ("product", "epd"):
                untaxed += amount
            elif line.display_type == "rounding":
                rounding += amount
                has_rounding = True
        subtotals = {}
        for group in sorted(taxes, key=lambda group: (group.sequence, group.id)):
            subtotal = subtotals.setdefault(group.preceding_subtotal or False, [])
            subtotal.append({"name": group.name, "amount": taxes[group]})
        if not subtotals:
            subtotals[False] = []
        rows = []
        base = untaxed
        for name, groups in subtotals.items():
            rows.append({"name": name, "amount": base, "tax_groups": groups})
            base += sum(group["amount"] for group in groups)
        return {
            "subtotals": rows,
            "rounding": rounding if has_rounding else False,
            "total": untaxed + sum(taxes.values()) + rounding,
        }

    def _get_amount_due_in_words(self, amount=None):
        """The amount due spelled out in the customer's language, where enabled:
        ``amount``, what the invoice asks today (``_get_link_payment_values``)
        which its page has computed already, or computed here."""
        self.ensure_one()
        if not self.company_id.payment_link_amount_in_words:
            return ""
        if amount is None:
            amount = self._get_link_payment_values()["amount"]
        lang = self.partner_id.lang or self.commercial_partner_id.lang
        currency = self.currency_id.with_context(lang=lang) if lang else self.currency_id
        return currency.amount_to_text(amount)

    def _get_payment_link_for_mail(self):
        """The payment link to write in the invoice email, created if needed, or ''.

        Silent where a link would not help (nothing due, nowhere to pay, option
        off): the email is still sent, just without the link.
        """
        self.ensure_one()
        if (
            not self._is_link_open()
            or not self.company_id.payment_link_in_invoice_email
            or self.company_id._get_payment_link_unready()
        ):
            return ""
        return self._get_payment_links().url

    # ------------------------------------------------------------------
    # Payment reminders (see islebooks.payment.reminder)
    # ------------------------------------------------------------------

    payment_reminder_disabled = fields.Boolean(
        "No reminder",
        copy=False,
        tracking=True,
        groups=STAFF_GROUP,
        help="Never send a payment reminder about this invoice (e.g. it is disputed).",
    )
    payment_reminder_count = fields.Integer(
        "Reminders", compute="_compute_payment_reminder_stats", groups=STAFF_GROUP
    )
    payment_reminder_last_date = fields.Datetime(
        "Last reminder", compute="_compute_payment_reminder_stats", groups=STAFF_GROUP
    )
    payment_reminder_due_date = fields.Date(
        "Reminded due date",
        compute="_compute_payment_reminder_due_date",
        groups=STAFF_GROUP,
        help="Due date of what the invoice asks today: its early-payment discount's, its "
        "next (or first overdue) installment's, else the invoice's.",
    )

    def _compute_payment_reminder_stats(self):
        groups = self.env["islebooks.payment.reminder"]._read_group(
            [("move_ids", "in", self.ids), ("state", "=", "sent")],
            ["move_ids"],
            ["__count", "sent_at:max"],
        )
        stats = {move.id: (count, last) for move, count, last in groups}
        for move in self:
            move.payment_reminder_count, move.payment_reminder_last_date = stats.get(
                move.id, (0, False)
            )

    def _compute_payment_reminder_due_date(self):
        due_dates = self._get_payment_reminder_due_dates() if self.ids else {}
        for move in self:
            move.payment_reminder_due_date = due_dates.get(move.id, move.invoice_date_due)

    def _get_payment_reminder_due_dates(self):
        """``{invoice id: due date}`` the reminder steps count from, for many invoices.

        The due date of what Odoo's page asks today (``_get_link_payment_values``):
        a running early-payment discount's deadline, the next or first overdue
        installment's, else the invoice's (see ``_get_link_payment_value_by_id``).
        """
        return self.sudo()._get_link_payment_value_by_id("due_date")

    def _get_payment_reminder_blocked(self):
        """Ids of these invoices being paid right now: an online payment in progress
        or a bank-transfer confirmation waiting for review. Two queries."""
        if not self:
            return set()
        moves = self.sudo()
        blocked = {
            move.id for move in moves if move._is_link_open() and move._get_payment_blocker()
        }
        groups = (
            self.env["islebooks.payment.confirmation"]
            .sudo()
            ._read_group(
                [("invoice_ids", "in", self.ids), ("state", "=", "pending")], ["invoice_ids"]
            )
        )
        blocked.update(move.id for (move,) in groups if move.id in self.ids)
        return blocked
