from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.sql import create_index

from ..tools.access import check_protected_write, check_staff_access
from ..tools.constants import (
    ADDON_MANAGED_FIELDS,
    CUSTOMER_MOVE_TYPES,
    SETTLED_PAYMENT_STATES,
    STAFF_GROUP,
)
from ..tools.qr import qr_png_base64


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
            where="state = 'posted' AND move_type IN %s" % (CUSTOMER_MOVE_TYPES,),
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

    @staticmethod
    def _raise_problems(title, problems):
        """One UserError for a whole selection: the title, then a bullet per document."""
        if problems:
            raise UserError(title + "\n" + "\n".join(f"• {problem}" for problem in problems))

    def _check_payment_link_allowed(self):
        """Raise a UserError naming every move a payment link cannot be made for."""
        problems = []
        for move in self:
            if move.move_type not in CUSTOMER_MOVE_TYPES:
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
            elif move._is_settled():
                problems.append(
                    _(
                        "%(name)s of %(customer)s is already paid: nothing to ask for",
                        name=move.name,
                        customer=move.partner_id.display_name,
                    )
                )
            elif not move._is_open_invoice():
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
        if not url or not move.company_id.payment_link_pdf_qr or not move._is_open_invoice():
            return False
        return "data:image/png;base64," + qr_png_base64(url, box_size=6)

    def _get_payment_page_lines(self):
        """The lines the payment page lists: ``invoice_line_ids``, in their order,
        taken from ``line_ids`` (which the payment terms have read already) with
        the taxes of every line fetched at once. Its totals are Odoo's
        ``tax_totals`` in Odoo's ``account.document_tax_totals``."""
        self.ensure_one()
        lines = self.line_ids
        lines.fetch(["tax_ids"])  # one query for the listed lines
        return lines.filtered(
            lambda line: line.display_type in ("product", "line_section", "line_note")
        )

    def _get_payment_link_for_mail(self):
        """The payment link to write in the invoice email, created if needed, or ''.

        Silent where a link would not help (nothing due, nowhere to pay, option
        off): the email is still sent, just without the link.
        """
        self.ensure_one()
        if (
            not self._is_open_invoice()
            or not self.company_id.payment_link_in_invoice_email
            or self.company_id._get_payment_link_unready()
        ):
            return ""
        return self._get_payment_links().url
