import hashlib
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, consteq

from ..tools.access import check_protected_write, check_staff_access
from ..tools.constants import (
    CUSTOMER_MOVE_TYPES,
    LINK_PATH_PREFIX,
    LINK_STAFF_WRITABLE_FIELDS,
    STAFF_GROUP,
    TOKEN_BYTES,
    TOKEN_PATTERN,
    VIEW_DEBOUNCE,
)
from ..tools.qr import qr_png_base64


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


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
        expired = live.filtered(
            lambda link: (
                (link.expires_at and link.expires_at <= now)
                # The invoice changed customer or company since: the link was theirs.
                or link.partner_id != partner_of[link[key_field].id]
                or link.company_id != company_of[link[key_field].id]
            )
        )
        if expired:
            # An expired link frees its slot for a fresh one; it stays on file.
            # Flushed now: the insert below must not meet it in the unique index.
            expired.write({"revoked_at": now})
            expired.flush_recordset(["revoked_at"])
        by_key = {link[key_field].id: link.id for link in live - expired}
        missing = [key for key in targets.ids if key not in by_key]
        if missing:
            by_key.update(
                self._insert_links(
                    key_field,
                    [
                        {
                            "scope": scope,
                            "move_id": key if scope == "invoice" else None,
                            "partner_id": partner_of[key].id,
                            "company_id": company_of[key].id,
                            "expires_at": self._default_expiry(company_of[key]) or None,
                        }
                        for key in missing
                    ],
                )
            )
            # Inserted behind the ORM's back: drop what the targets cached about links.
            targets.invalidate_recordset()
        # A link handed out: its invoices' legal PDFs are rendered in the
        # background now, not when the customer first clicks Download PDF.
        if scope == "invoice":
            targets.sudo()._prepare_legal_pdfs_later()
        else:
            self.env["account.move"].sudo()._prepare_legal_pdfs_later(
                partners=targets, company=self.env.company
            )
        return self.browse([by_key[key] for key in targets.ids])

    @api.model
    def _insert_links(self, key_field, vals_list):
        """Insert new links in one query; return ``{value of key_field: link id}``.

        Raw SQL on purpose: ORM ``create`` takes a query per 100 rows (constant-query rule),
        and ``ON CONFLICT DO NOTHING`` lets two concurrent copies share one live link.
        """
        tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _vals in vals_list]
        columns = ("scope", "move_id", "partner_id", "company_id", "expires_at")
        arrays = {column: [vals[column] for vals in vals_list] for column in columns}
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO islebooks_payment_link
                    (token, token_digest, scope, move_id, partner_id, company_id, expires_at,
                     view_count, create_uid, create_date, write_uid, write_date)
                SELECT t.token, t.digest, t.scope, t.move_id, t.partner_id, t.company_id,
                       t.expires_at, 0, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(tokens)s::varchar[], %(digests)s::varchar[],
                              %(scopes)s::varchar[], %(moves)s::int[], %(partners)s::int[],
                              %(companies)s::int[], %(expiries)s::timestamp[])
                       AS t(token, digest, scope, move_id, partner_id, company_id, expires_at)
                -- Two users copying the same invoice at once: the later one gets
                -- a serialization failure (Odoo retries the request and finds
                -- the link) instead of a unique-index error.
                ON CONFLICT DO NOTHING
             RETURNING id, %(key)s
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                tokens=tokens,
                digests=[_digest(token) for token in tokens],
                scopes=arrays["scope"],
                moves=arrays["move_id"],
                partners=arrays["partner_id"],
                companies=arrays["company_id"],
                expiries=arrays["expires_at"],
                key=SQL.identifier(key_field),
            )
        )
        return {key: link_id for link_id, key in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Resolution (the only way the website reads a token)
    # ------------------------------------------------------------------

    @api.model
    def _resolve(self, token):
        """Return the active link for ``token`` (sudo), or an empty recordset.

        Unknown, malformed, revoked and expired tokens all give the same
        empty answer so a caller cannot tell them apart.
        """
        link = self._find_by_token(token)
        if link.state != "active":
            return link.browse()
        if link.scope == "invoice" and (
            link.move_id.company_id != link.company_id
            or link.move_id.move_type not in CUSTOMER_MOVE_TYPES
            # The invoice went to another customer (reset, edited, posted again).
            or link.move_id.commercial_partner_id != link.partner_id
        ):
            # Never another company's document, nor a vendor bill or entry.
            return link.browse()
        if link.scope == "portal" and (
            not link.partner_id.active or link.partner_id.commercial_partner_id != link.partner_id
        ):
            # Archived, or became a contact of a company: its account is the company's now.
            return link.browse()
        return link

    @api.model
    def _find_by_token(self, token):
        """The link (sudo) whose token is exactly ``token``, in any state, or empty."""
        Link = self.sudo()
        if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
            return Link.browse()
        # One query: the link and the fields every page reads next.
        link = Link.search_fetch(
            [("token_digest", "=", _digest(token))],
            [
                "token",
                "scope",
                "move_id",
                "partner_id",
                "company_id",
                "expires_at",
                "revoked_at",
                "last_viewed_at",
            ],
            limit=1,
        )
        if not link or not consteq(link.token, token):
            return Link.browse()
        return link

    def _get_customer_lang(self):
        """The language the customer reads: the invoice's contact's, else the company's."""
        self.ensure_one()
        return self.move_id.partner_id.lang or self.partner_id.lang

    def _register_view(self):
        """Count a customer visit; reloads within ``VIEW_DEBOUNCE`` count once.

        A page view must never wait for, or fail on, another request writing
        the same link (a customer reloading, a crawler, a load test): like
        Odoo's website visitors, a locked row is skipped rather than waited on,
        and debouncing keeps most page views free of any write at all.
        """
        self.ensure_one()
        now = fields.Datetime.now()
        if self.last_viewed_at and self.last_viewed_at > now - VIEW_DEBOUNCE:
            return
        self.flush_recordset(["view_count", "first_viewed_at", "last_viewed_at"])
        self.env.cr.execute(
            """
            UPDATE islebooks_payment_link
               SET view_count = COALESCE(view_count, 0) + 1,
                   first_viewed_at = COALESCE(first_viewed_at, %(now)s),
                   last_viewed_at = %(now)s
             WHERE id IN (
                 SELECT id FROM islebooks_payment_link
                  WHERE id = %(id)s
                    AND (last_viewed_at IS NULL OR last_viewed_at <= %(since)s)
                    FOR NO KEY UPDATE SKIP LOCKED
             )
            """,
            {"id": self.id, "now": now, "since": now - VIEW_DEBOUNCE},
            log_exceptions=False,
        )
        self.invalidate_recordset(["view_count", "first_viewed_at", "last_viewed_at"])

    # ------------------------------------------------------------------
    # Fresh link on request (from the page of a dead link)
    # ------------------------------------------------------------------

    @api.model
    def _request_renewal(self, token):
        """Email a fresh link if ``token`` is a known expired link.

        The fresh link goes only to the email already on file and staff get
        an activity to resend it (e.g. by WhatsApp). Unknown tokens, live
        links, links revoked by staff (or replaced by Regenerate) and links
        renewed in the last hour do nothing: the caller
        answers the same thing in every case, so the answer reveals nothing.
        Returns the fresh link (or an empty recordset) for tests and logs.
        """
        Link = self.sudo()
        link = self._find_by_token(token)
        if not link or not link._is_renewable():
            return Link.browse()
        now = fields.Datetime.now()
        if link.renewal_requested_at and link.renewal_requested_at > now - timedelta(hours=1):
            return Link.browse()
        partner = link.partner_id
        move = link.move_id
        if not partner.active or (move and move.state != "posted"):
            # Archived/merged customers and cancelled invoices get no new link.
            return Link.browse()
        if (move.commercial_partner_id or partner.commercial_partner_id) != partner:
            # The invoice (or the contact) belongs to another customer now: the
            # holder of the old link gets nothing of theirs, not even by email.
            return Link.browse()
        link.renewal_requested_at = now
        Link = Link.with_company(link.company_id)
        fresh = Link._get_or_create(link.scope, move if link.scope == "invoice" else partner)
        recipient = move.partner_id if move and move.partner_id.email else partner
        if recipient.email:
            template = self.env.ref("islebooks_payment_links.mail_template_payment_link_renewal")
            template.sudo().send_mail(fresh.id)
        target = move or partner
        responsible = (
            (move.invoice_user_id if move else partner.user_id)
            or link.create_uid
            or self.env.ref("base.user_admin", raise_if_not_found=False)
        )
        target.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Resend the payment link"),
            note=_(
                "The customer opened an expired or revoked payment link and asked for a "
                "fresh one. %(sent)s Resend it by WhatsApp if they prefer.",
                sent=_("It was emailed to %s.", recipient.email)
                if recipient.email
                else _("No email is on file, so nothing was sent."),
            ),
            user_id=responsible.id,
        )
        return fresh

    def _is_renewable(self):
        """An expired link may ask for a fresh one; a link staff revoked may not.

        ``_get_or_create`` retires an expired link by setting ``revoked_at``
        without ``revoked_by_id``: that one still counts as expired.
        """
        self.ensure_one()
        if self.revoked_by_id or not self.expires_at:
            return False
        return self.expires_at <= (self.revoked_at or fields.Datetime.now())

    # ------------------------------------------------------------------
    # Revoke and regenerate
    # ------------------------------------------------------------------

    def action_regenerate(self):
        """Rotate from the backend; opens the new link when there is one (or, from the
        Generate Payment Link dialog, the dialog listing it)."""
        check_staff_access(self.env)
        wizard = self.env["islebooks.payment.link.wizard"]._from_context(self)
        new_links = self._regenerate()
        if wizard:
            wizard._replace_links(self, new_links)
            return wizard._action_open()
        if len(new_links) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": new_links.id,
                "view_mode": "form",
                "target": "current",
            }
        return True

    def action_revoke(self):
        check_staff_access(self.env)
        wizard = self.env["islebooks.payment.link.wizard"]._from_context(self)
        self._revoke()
        return wizard._action_open() if wizard else True

    @api.model
    def _revoke_for_partners(self, partners):
        """Revoke every live link opening the documents of ``partners``."""
        links = self.sudo().search([("partner_id", "in", partners.ids), ("revoked_at", "=", False)])
        links._revoke()
        return links

    def _revoke(self, invoice_note=None):
        """Revoke the live links of ``self``, with a note in the chatter of what they opened."""
        live = self.filtered(lambda link: not link.revoked_at)
        live.sudo().write({"revoked_at": fields.Datetime.now(), "revoked_by_id": self.env.uid})
        for link in live.filtered("move_id"):
            link.move_id.message_post(
                body=invoice_note or _("Payment link revoked: it no longer opens the invoice."),
                subtype_xmlid="mail.mt_note",
            )
        for link in live.filtered(lambda link: link.scope == "portal"):
            link.partner_id.message_post(
                body=_("Portal payment link revoked: it no longer opens the customer's invoices."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _regenerate(self):
        """Replace each link by a new one and return them: the old URL stops opening
        at once; a future expiry carries over."""
        kept_expiry = {
            (link.scope, link.move_id.id or link.partner_id.id, link.company_id.id): link.expires_at
            for link in self
            if link.expires_at and link.expires_at > fields.Datetime.now()
        }
        self._revoke()
        new_links = self.browse()
        groups = self.grouped(lambda link: (link.scope, link.company_id))
        for (scope, company), links in groups.items():
            if scope == "invoice":
                fresh = self.with_company(company)._get_or_create("invoice", links.move_id)
                for move in links.move_id:
                    move.message_post(
                        body=_("Payment link regenerated: only the new link opens the invoice."),
                        subtype_xmlid="mail.mt_note",
                    )
            else:
                fresh = self.with_company(company)._get_or_create("portal", links.partner_id)
            for link in fresh.sudo():
                expiry = kept_expiry.get((scope, link.move_id.id or link.partner_id.id, company.id))
                if expiry:
                    link.expires_at = expiry
            new_links |= fresh
        return new_links
