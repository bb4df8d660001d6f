import secrets

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

from ..tools.access import check_protected_write
from ..tools.constants import (
    LINK_PATH_PREFIX,
    LINK_STAFF_WRITABLE_FIELDS,
    STAFF_GROUP,
    TOKEN_BYTES,
)
from ..tools.qr import qr_png_base64
from ..tools.tokens import token_digest


class IslebooksPaymentLink(models.Model):
    _name = "islebooks.payment.link"
    _description = "Payment Link"
    _order = "id desc"
    _check_company_auto = True

    token = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: secrets.token_urlsafe(TOKEN_BYTES),
        groups=STAFF_GROUP,
    )
    # Lookups go through the digest: the timing of the index lookup then says
    # nothing about how close a guessed token is to a real one.
    token_digest = fields.Char(
        compute="_compute_token_digest", store=True, readonly=True, index=True
    )
    scope = fields.Selection(
        [("invoice", "Invoice"), ("portal", "Customer portal")],
        required=True,
        readonly=True,
        default="invoice",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        readonly=True,
        ondelete="cascade",
        index="btree_not_null",
        check_company=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        help="Commercial partner whose documents the link opens.",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    expires_at = fields.Datetime(
        "Expires on",
        help="After this moment the link no longer opens. Leave empty for no expiry.",
    )
    revoked_at = fields.Datetime("Revoked on", readonly=True, copy=False)
    revoked_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    first_viewed_at = fields.Datetime("First opened", readonly=True, copy=False)
    last_viewed_at = fields.Datetime("Last opened", readonly=True, copy=False)
    view_count = fields.Integer(
        "Views",
        readonly=True,
        copy=False,
        default=0,
        help="How many times the customer opened the link; reloads within a minute count once.",
    )
    renewal_requested_at = fields.Datetime(
        "Fresh link requested on",
        readonly=True,
        copy=False,
        help="When the customer last asked, from this dead link, for a fresh one.",
    )
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")],
        compute="_compute_state",
        search="_search_state",
    )
    url = fields.Char("Link", compute="_compute_url", groups=STAFF_GROUP)
    qr_code = fields.Binary("QR code", compute="_compute_qr_code", groups=STAFF_GROUP)
    qr_filename = fields.Char(compute="_compute_qr_code")
    transaction_ids = fields.One2many(
        "payment.transaction", "islebooks_payment_link_id", string="Payments", readonly=True
    )
    payment_count = fields.Integer("Payments made", compute="_compute_payment_count")

    _sql_constraints = [
        (
            "scope_target",
            "CHECK((scope = 'invoice' AND move_id IS NOT NULL)"
            " OR (scope = 'portal' AND move_id IS NULL))",
            "An invoice link needs an invoice; a portal link must not have one.",
        ),
    ]

    @api.constrains("scope", "move_id", "partner_id", "company_id")
    def _check_target(self):
        """An invoice link opens an invoice of its company and its customer, nothing else."""
        for link in self.sudo().filtered(lambda link: link.scope == "invoice"):
            move = link.move_id
            if move.company_id != link.company_id:
                raise ValidationError(
                    _("A payment link must be in the company of its invoice %s.", move.name)
                )
            if move.commercial_partner_id != link.partner_id:
                raise ValidationError(
                    _("A payment link must be for the customer of its invoice %s.", move.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        # Links are made by the addon (_get_or_create), never with a chosen token.
        if not self.env.su:
            raise AccessError(
                _("Payment links are created from the invoices and customers, not by hand.")
            )
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, LINK_STAFF_WRITABLE_FIELDS)
        return super().write(vals)

    def init(self):
        # At most one live link per invoice and per customer portal: copying a
        # link twice hands out the same URL until it is revoked.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS islebooks_payment_link_live_invoice_uniq
                ON islebooks_payment_link (move_id)
                WHERE scope = 'invoice' AND revoked_at IS NULL;
            CREATE UNIQUE INDEX IF NOT EXISTS islebooks_payment_link_live_portal_uniq
                ON islebooks_payment_link (partner_id, company_id)
                WHERE scope = 'portal' AND revoked_at IS NULL;
            CREATE UNIQUE INDEX IF NOT EXISTS islebooks_payment_link_token_digest_uniq
                ON islebooks_payment_link (token_digest);
            """
        )

    @api.depends("token")
    def _compute_token_digest(self):
        for link in self.sudo():
            link.token_digest = token_digest(link.token)

    @api.depends("expires_at", "revoked_at")
    def _compute_state(self):
        now = fields.Datetime.now()
        for link in self:
            if link.revoked_at:
                link.state = "revoked"
            elif link.expires_at and link.expires_at <= now:
                link.state = "expired"
            else:
                link.state = "active"

    def _search_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Unsupported search on link state."))
        states = {value} if isinstance(value, str) else set(value)
        if operator in ("!=", "not in"):
            states = {"active", "expired", "revoked"} - states
        now = fields.Datetime.now()
        domains = {
            "revoked": [("revoked_at", "!=", False)],
            "expired": [("revoked_at", "=", False), ("expires_at", "<=", now)],
            "active": [
                ("revoked_at", "=", False),
                "|",
                ("expires_at", "=", False),
                ("expires_at", ">", now),
            ],
        }
        return expression.OR(
            [domains[state] for state in states if state in domains] or [expression.FALSE_DOMAIN]
        )

    @api.depends("scope", "move_id.name", "partner_id.name")
    def _compute_display_name(self):
        for link in self:
            target = link.move_id.name if link.scope == "invoice" else link.partner_id.name
            link.display_name = _("Payment link of %s", target)

    @api.depends("transaction_ids.state")
    def _compute_payment_count(self):
        groups = (
            self.env["payment.transaction"]
            .sudo()
            ._read_group(
                [("islebooks_payment_link_id", "in", self.ids), ("state", "=", "done")],
                ["islebooks_payment_link_id"],
                ["__count"],
            )
        )
        counts = {link.id: count for link, count in groups}
        for link in self:
            link.payment_count = counts.get(link.id, 0)

    @api.depends("token")
    def _compute_url(self):
        for link in self.sudo():
            link.url = link._get_url(absolute=True) if link.token else False

    def _get_url(self, suffix="", absolute=False):
        """The customer URL of the link, ``/pay/<token>`` then ``suffix`` (e.g.
        ``/receipt/7``): the one place it is spelled. ``absolute``: with the
        base URL (what staff copy and send), else the path the pages link to."""
        self.ensure_one()
        path = f"{LINK_PATH_PREFIX}{self.sudo().token}{suffix}"
        return f"{self.get_base_url()}{path}" if absolute else path

    @api.depends("token", "state")
    def _compute_qr_code(self):
        for link in self:
            if link.state != "active" or not link.token:
                link.qr_code = link.qr_filename = False
                continue
            link.qr_code = qr_png_base64(link.sudo().url, box_size=8)
            link.qr_filename = f"payment-link-{link.partner_id.name or link.partner_id.id}.png"
