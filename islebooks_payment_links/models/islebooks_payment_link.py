import hashlib
import re
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import consteq

# secrets.token_urlsafe(32): 256 bits, 43 URL-safe characters.
TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


class IslebooksPaymentLink(models.Model):
    _name = "islebooks.payment.link"
    _description = "Payment Link"
    _order = "id desc"

    token = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: secrets.token_urlsafe(TOKEN_BYTES),
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
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
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
    view_count = fields.Integer("Views", readonly=True, copy=False)
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")],
        compute="_compute_state",
        search="_search_state",
    )
    url = fields.Char("Link", compute="_compute_url")

    _sql_constraints = [
        (
            "scope_target",
            "CHECK((scope = 'invoice' AND move_id IS NOT NULL)"
            " OR (scope = 'portal' AND move_id IS NULL))",
            "An invoice link needs an invoice; a portal link must not have one.",
        ),
    ]

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
            link.token_digest = _digest(link.token)

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

    @api.depends("token")
    def _compute_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for link in self.sudo():
            link.url = f"{base_url}/pay/{link.token}" if link.token else False

    # ------------------------------------------------------------------
    # Get or create
    # ------------------------------------------------------------------

    @api.model
    def _default_expiry(self, company):
        days = int(company.payment_link_validity or 0)
        return fields.Datetime.now() + timedelta(days=days) if days else False

    @api.model
    def _get_or_create(self, scope, targets):
        """Return the live link of each target, in the targets' order.

        ``targets`` is a recordset of ``account.move`` (scope ``invoice``) or
        of commercial ``res.partner`` with the company in the environment
        (scope ``portal``). One search and at most one batch insert, whatever
        the number of targets.
        """
        if not targets:
            return self.browse()
        if scope == "invoice":
            key_field = "move_id"
            company_of = {move.id: move.company_id for move in targets}
            partner_of = {move.id: move.commercial_partner_id for move in targets}
        else:
            key_field = "partner_id"
            company_of = {partner.id: self.env.company for partner in targets}
            partner_of = {partner.id: partner for partner in targets}
        Link = self.sudo()
        domain = [
            ("scope", "=", scope),
            (key_field, "in", targets.ids),
            ("revoked_at", "=", False),
        ]
        if scope == "portal":
            domain.append(("company_id", "=", self.env.company.id))
        live = Link.search(domain)
        now = fields.Datetime.now()
        expired = live.filtered(lambda link: link.expires_at and link.expires_at <= now)
        if expired:
            # An expired link frees its slot for a fresh one; it stays on file.
            expired.write({"revoked_at": now})
        by_key = {link[key_field].id: link for link in live - expired}
        missing = [key for key in targets.ids if key not in by_key]
        if missing:
            created = Link.create(
                [
                    {
                        "scope": scope,
                        "move_id": key if scope == "invoice" else False,
                        "partner_id": partner_of[key].id,
                        "company_id": company_of[key].id,
                        "expires_at": self._default_expiry(company_of[key]),
                    }
                    for key in missing
                ]
            )
            by_key.update(zip(missing, created, strict=True))
        return self.browse([by_key[key].id for key in targets.ids])

    # ------------------------------------------------------------------
    # Resolution (the only way the website reads a token)
    # ------------------------------------------------------------------

    @api.model
    def _resolve(self, token):
        """Return the active link for ``token`` (sudo), or an empty recordset.

        Unknown, malformed, revoked and expired tokens all give the same
        empty answer so a caller cannot tell them apart.
        """
        Link = self.sudo()
        if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
            return Link.browse()
        link = Link.search([("token_digest", "=", _digest(token))], limit=1)
        if not link or not consteq(link.token, token) or link.state != "active":
            return Link.browse()
        if link.scope == "invoice" and link.move_id.company_id != link.company_id:
            return Link.browse()
        return link

    def _register_view(self):
        """Count a customer visit, atomically, without a read-modify-write race."""
        self.ensure_one()
        self.env.cr.execute(
            """
            UPDATE islebooks_payment_link
               SET view_count = view_count + 1,
                   first_viewed_at = COALESCE(first_viewed_at, now() at time zone 'UTC'),
                   last_viewed_at = now() at time zone 'UTC'
             WHERE id = %s
            """,
            [self.id],
        )
        self.invalidate_recordset(["view_count", "first_viewed_at", "last_viewed_at"])

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_revoke(self):
        live = self.filtered(lambda link: not link.revoked_at)
        live.sudo().write({"revoked_at": fields.Datetime.now(), "revoked_by_id": self.env.uid})
        for link in live.filtered("move_id"):
            link.move_id.message_post(
                body=_("Payment link revoked: it no longer opens the invoice."),
                subtype_xmlid="mail.mt_note",
            )
        return True
