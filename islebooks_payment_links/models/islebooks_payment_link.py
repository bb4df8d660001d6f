import hashlib
import re
import secrets
from datetime import timedelta
from urllib.parse import quote

from markupsafe import Markup
from werkzeug.exceptions import NotFound, TooManyRequests

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, consteq

from ..tools.parsing import parse_amount, parse_id, parse_ids
from ..tools.phone import to_international
from ..tools.qr import qr_png_base64
from ..tools.whatsapp import format_totals, whatsapp_url
from .islebooks_payment_link_throttle import FailedLookup

# The documents a link may ever show: customer invoices and credit notes.
PORTAL_MOVE_TYPES = ("out_invoice", "out_refund")
PORTAL_PAGE_SIZE = 20
# What a row of the portal's lists shows (read with the page of rows, in one query).
PORTAL_ROW_FIELDS = [
    "name",
    "move_type",
    "state",
    "payment_state",
    "currency_id",
    "invoice_date",
    "invoice_date_due",
    "amount_total",
    "amount_total_signed",
    "amount_residual",
    # Not in the rows: the transfer reference the bank-transfer confirmation
    # section shows of the open invoices it offers (the unpaid page's).
    "payment_reference",
]
# A payment of these transactions is (being) made: nobody may start another.
BUSY_TX_STATES = ("pending", "authorized", "done")
# Bounded work per request: invoices in one ZIP or one payment, legal PDFs
# generated on the fly by one request, days of one statement of account.
MAX_INVOICES_PER_REQUEST = 100
MAX_PDFS_PER_REQUEST = 20
MAX_STATEMENT_DAYS = 3 * 366
# A portal selection of every open invoice in one currency ("Pay all"):
# ``all-<currency id>`` instead of hundreds of ids in the URL.
PAY_ALL_PREFIX = "all-"
# The checkout lists this many of the invoices it pays, then "+ N more".
CHECKOUT_ROWS = 20

# secrets.token_urlsafe(32): 256 bits, 43 URL-safe characters.
TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Reloads closer together than this are one view (see _register_view).
VIEW_DEBOUNCE = timedelta(minutes=1)
# Who may see and manage links in the backend (tokens are bearer credentials).
STAFF_GROUP = "account.group_account_invoice"
# What staff may change on a link; the rest is written by the addon's own code.
STAFF_WRITABLE_FIELDS = frozenset({"expires_at"})
# The context key by which the Generate Payment Link dialog tells a link's action its wizard.
WIZARD_CONTEXT_KEY = "islebooks_portal_wizard_id"


def check_staff_access(env):
    """Raise an AccessError unless ``env`` may manage payment links.

    The addon's own code runs its internal steps with ``sudo()`` (revoking the
    links of an archived customer, the website's pages): that is allowed.
    """
    if not env.su and not env.user.has_group(STAFF_GROUP):
        raise AccessError(env._("Only invoicing users can manage payment links."))


def check_protected_write(records, vals, allowed):
    """Refuse, outside the addon's own (sudo) code, a write of a field not in ``allowed``.

    ``readonly=`` only hides a field in the form: over RPC anything can be
    written, so the fields the addon manages (tokens, targets, review state)
    are refused here whatever the caller's rights on the model.
    """
    if records.env.su:
        return
    refused = sorted(set(vals) - set(allowed))
    if refused:
        raise AccessError(
            records.env._(
                "These fields of %(model)s are set by the addon and cannot be changed by hand: "
                "%(fields)s.",
                model=records._description,
                fields=", ".join(
                    records._fields[name].string if name in records._fields else name
                    for name in refused
                ),
            )
        )


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
        check_protected_write(self, vals, STAFF_WRITABLE_FIELDS)
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
            link.url = f"{link.get_base_url()}/pay/{link.token}" if link.token else False

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
            or link.move_id.move_type not in ("out_invoice", "out_refund")
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
    # Actions
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

    @api.model
    def _revoke_for_partners(self, partners):
        """Revoke every live link opening the documents of ``partners``."""
        links = self.sudo().search([("partner_id", "in", partners.ids), ("revoked_at", "=", False)])
        links._revoke()
        return links

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

    def action_revoke(self):
        check_staff_access(self.env)
        wizard = self.env["islebooks.payment.link.wizard"]._from_context(self)
        self._revoke()
        return wizard._action_open() if wizard else True

    # ------------------------------------------------------------------
    # Generate Payment Link dialog (contacts): QR code, WhatsApp, email
    # ------------------------------------------------------------------

    def action_download_qr_code(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            # Quoted: a customer named "A/B & Co #2" must not cut the URL.
            "url": f"/web/content/{self._name}/{self.id}/qr_code/"
            f"{quote(self.qr_filename.replace('/', '-'), safe='')}?download=true",
            "target": "download",
        }

    def _check_sendable(self):
        self.ensure_one()
        check_staff_access(self.env)
        if self.state != "active":
            raise UserError(
                _("This link is %(state)s: regenerate it before sending it.", state=self.state)
            )

    def action_send_whatsapp(self):
        """Open WhatsApp with the portal link and what the customer owes, like invoices do.

        The figure is the one the Customer Portal page shows (its summary's
        ``amount``: net of open credit, never below zero), so the message and the
        page the customer opens from it never disagree.
        """
        self._check_sendable()
        customer = self.partner_id
        contact = customer._get_whatsapp_recipient()
        number, error = contact._get_whatsapp_e164()
        if error:
            raise RedirectWarning(error, contact._get_whatsapp_form_action(), _("Open contact"))
        totals = {row["currency"]: row["amount"] for row in self._get_portal_totals()}
        message = self.env.ref("islebooks_payment_links.whatsapp_template_portal")._render_message(
            contact,
            add_context={
                "portal_url": self.url,
                "total_due": format_totals(self.env, totals, contact.lang or self.env.lang),
                "company_name": self.company_id.name,
            },
        )
        customer._message_log(
            body=Markup("<p>%s</p>")
            % _(
                "Portal payment link sent via WhatsApp to %(number)s by %(user)s.",
                number=to_international(number),
                user=self.env.user.name,
            )
        )
        web = self.company_id.whatsapp_link_mode == "web"
        return {
            "type": "ir.actions.act_url",
            "url": whatsapp_url(number, message, web=web),
            "target": "new",
        }

    def action_send_email(self):
        """The email composer with the editable portal-link template, for this customer."""
        self._check_sendable()
        template = self.env.ref("islebooks_payment_links.mail_template_portal_link_email")
        return {
            "type": "ir.actions.act_window",
            "name": _("Send the payment link by email"),
            "res_model": "mail.compose.message",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": self.partner_id.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "allowed_company_ids": self.company_id.ids,
            },
        }

    def action_log_share(self):
        """Note in the chatter that staff handed these links to their device's share sheet.

        Share… (Copy Invoice URL, Generate Payment Link) calls it once the browser
        says the share went through (the Web Share API runs in the browser, so this
        is the server's only part): one note on each link's invoice, or on the
        customer for a portal link. Checked like the other sends: invoicing staff,
        links of their companies they may read, live links only.
        """
        check_staff_access(self.env)
        self.check_access("read")
        dead = self.filtered(lambda link: link.state != "active")
        if dead:
            raise UserError(
                _(
                    "This link is %(state)s: regenerate it before sending it.",
                    state=dead[0].state,
                )
            )
        moves = self.filtered(lambda link: link.scope == "invoice").move_id
        customers = self.filtered(lambda link: link.scope == "portal").partner_id
        # _message_log_batch checks nothing itself: the user must read the documents.
        moves.check_access("read")
        customers.check_access("read")
        # Not named "user": _() reads a local of that name as the user.
        staff = self.env.user.name
        if moves:
            body = Markup("<p>%s</p>") % _(
                "Payment link shared from the device's share sheet by %(user)s.", user=staff
            )
            moves._message_log_batch(bodies=dict.fromkeys(moves.ids, body))
        if customers:
            body = Markup("<p>%s</p>") % _(
                "Portal payment link shared from the device's share sheet by %(user)s.",
                user=staff,
            )
            customers._message_log_batch(bodies=dict.fromkeys(customers.ids, body))
        return True

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

    # ------------------------------------------------------------------
    # Customer portal: what a portal link shows (all reads bounded in queries)
    # ------------------------------------------------------------------

    def _get_portal_domain(self):
        """Domain of every document the link may show.

        The commercial partner covers the company and all its contacts; only
        posted customer invoices and credit notes of the link's company.
        """
        self.ensure_one()
        if self.scope == "invoice":
            return [("id", "=", self.move_id.id), ("company_id", "=", self.company_id.id)]
        return [
            ("commercial_partner_id", "=", self.partner_id.id),
            ("company_id", "=", self.company_id.id),
            ("move_type", "in", PORTAL_MOVE_TYPES),
            ("state", "=", "posted"),
        ]

    def _get_granted_moves(self, move_ids):
        """The moves of ``move_ids`` (sudo) if the link grants every one, else empty.

        Ids come from the request: one foreign, draft or unknown id refuses the
        whole selection rather than silently dropping it.
        """
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        wanted = list(dict.fromkeys(move_ids or []))
        if (
            not wanted
            or len(wanted) > MAX_INVOICES_PER_REQUEST
            or not all(isinstance(move_id, int) for move_id in wanted)
        ):
            return Move.browse()
        moves = Move.search(expression.AND([self._get_portal_domain(), [("id", "in", wanted)]]))
        if len(moves) != len(wanted):
            return Move.browse()
        return Move.browse(wanted)

    def _get_portal_unpaid_domain(self):
        return expression.AND(
            [self._get_portal_domain(), self.env["account.move"]._get_link_open_domain()]
        )

    def _get_portal_unpaid(self, sort="due", page=1, total=None):
        """One page of the open invoices by due date (``sort`` 'due' or '-due').

        Returns ``(moves, page, page_count)``; paying them all is done per
        currency (``_get_portal_unpaid_in_currency``), not by listing them all.
        ``total``: how many there are, when the caller knows it already (the
        counts of ``_get_portal_totals``).
        """
        direction = "DESC" if sort == "-due" else "ASC"
        return self._search_portal_page(
            self._get_portal_unpaid_domain(),
            f"invoice_date_due {direction} NULLS LAST, id {direction}",
            page,
            total=total,
        )

    def _get_portal_unpaid_in_currency(self, currency_id, limit=MAX_INVOICES_PER_REQUEST):
        """The open invoices of the link in one currency ("Pay all"), by due date:
        the ``limit`` oldest (one payment pays at most that many)."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .search(
                expression.AND(
                    [self._get_portal_unpaid_domain(), [("currency_id", "=", currency_id)]]
                ),
                order="invoice_date_due ASC NULLS LAST, id ASC",
                limit=limit,
            )
        )

    def _get_portal_paid_domain(self):
        return expression.AND(
            [
                self._get_portal_domain(),
                # Settled documents only: an open credit note is available
                # credit (``_get_portal_credits``), not history.
                self.env["account.move"]._get_link_settled_domain(),
            ]
        )

    def _get_portal_paid(self, page=1, total=None):
        """One page of the paid history (paid invoices and credit notes), newest
        first; ``total``: its length if known (``_get_portal_summary``)."""
        return self._search_portal_page(
            self._get_portal_paid_domain(), "invoice_date DESC, id DESC", page, total=total
        )

    def _search_portal_page(self, domain, order, page, total=None):
        """``(moves, page, page_count)``: page ``page`` (clamped) of ``domain``,
        read with the fields its rows show (``PORTAL_ROW_FIELDS``) in the same
        query; ``total``: the count of ``domain`` if known (else one more query)."""
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        if total is None:
            total = Move.search_count(domain)
        page_count = max(1, -(-total // PORTAL_PAGE_SIZE))
        page = min(max(1, page), page_count)
        moves = Move.search_fetch(
            domain,
            PORTAL_ROW_FIELDS,
            order=order,
            limit=PORTAL_PAGE_SIZE,
            offset=(page - 1) * PORTAL_PAGE_SIZE,
        )
        return moves, page, page_count

    def _get_portal_rows(self, moves, formatter, due=True):
        """What the portal shows of each of ``moves`` (a page of one of its
        lists), read and formatted in one pass: ``formatter`` is the page's
        ``PageFormatter``; ``due``: whether the list shows the amounts due
        (the paid history shows totals only). ``status`` is the key of the
        badge (``account.move._get_link_status``, one query for the page)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        statuses = moves._get_link_status()
        rows = []
        for move in moves:
            currency = move.currency_id
            due_date = move.invoice_date_due
            rows.append(
                {
                    "id": move.id,
                    "name": move.name,
                    "status": statuses[move.id],
                    "overdue": bool(due_date and due_date < today),
                    "currency": currency,
                    "residual": move.amount_residual,
                    "amount_due": formatter.amount(move.amount_residual, currency) if due else "",
                    # A credit note's total reads negative (as the history always showed it).
                    "amount_total": formatter.amount(
                        move.amount_total_signed
                        if move.move_type == "out_refund"
                        else move.amount_total,
                        currency,
                    ),
                    "invoice_date": formatter.date(move.invoice_date),
                    "due_date": formatter.date(due_date),
                }
            )
        return rows

    def _get_portal_totals(self):
        """Outstanding (net of credit) and overdue amounts, and open invoices, per
        currency (see ``_get_portal_summary``)."""
        return self._get_portal_summary()["totals"]

    def _get_portal_summary(self):
        """What the top of the portal says, in three grouped queries: ``totals``,
        the outstanding (net of credit) and overdue amounts and open invoices per
        currency, and ``paid_count``, the length of the paid history.

        A total's ``amount`` is what the customer owes once its open credit
        (``_get_portal_credits``) is deducted, never below zero; ``credit_left``
        is the credit beyond what is due.
        """
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        today = fields.Date.context_today(self)
        outstanding, paid_count = Move._get_link_open_and_settled(self._get_portal_domain())
        overdue = dict(
            Move._read_group(
                expression.AND(
                    [self._get_portal_unpaid_domain(), [("invoice_date_due", "<", today)]]
                ),
                ["currency_id"],
                ["amount_residual:sum"],
            )
        )
        credits = self._get_portal_credits()
        rows = [(currency, amount, count) for currency, amount, count in outstanding]
        rows += [
            (currency, 0.0, 0)
            for currency in credits
            if currency not in {row[0] for row in outstanding}
        ]
        totals = []
        for currency, amount, count in rows:
            credit = credits.get(currency, 0.0)
            totals.append(
                {
                    "currency": currency,
                    "amount": currency.round(max(0.0, amount - credit)),
                    "credit": credit,
                    "credit_left": currency.round(max(0.0, credit - amount)),
                    "overdue": overdue.get(currency, 0.0),
                    "count": count,
                }
            )
        return {"totals": totals, "paid_count": paid_count}

    def _get_portal_credit_domain(self, currency=None):
        """The customer's open credit: unreconciled credit items of its receivable
        (open credit notes, payments not yet matched), as the statement reads them."""
        self.ensure_one()
        if self.scope != "portal":
            return expression.FALSE_DOMAIN
        domain = [
            *self.partner_id._get_receivable_domain(self.company_id),
            ("reconciled", "=", False),
            ("balance", "<", 0),
        ]
        if currency:
            domain.append(("currency_id", "=", currency.id))
        return domain

    def _get_portal_credits(self):
        """``{currency: open credit}`` of a portal link's customer (one grouped query)."""
        self.ensure_one()
        if self.scope != "portal":
            return {}
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                self._get_portal_credit_domain(),
                ["currency_id"],
                ["amount_residual_currency:sum"],
            )
        )
        return {currency: -amount for currency, amount in groups if not currency.is_zero(amount)}

    def _get_portal_open_credit_notes(self):
        """The first page of the customer's open credit notes, oldest first (sudo)."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .search_fetch(
                expression.AND(
                    [
                        self._get_portal_domain(),
                        self.env["account.move"]._get_link_open_domain("out_refund"),
                    ]
                ),
                PORTAL_ROW_FIELDS,
                order="invoice_date, id",
                limit=PORTAL_PAGE_SIZE,
            )
        )

    def _get_portal_credit_lines(self, currency):
        """The open credit items in ``currency``, oldest first (sudo)."""
        self.ensure_one()
        return (
            self.env["account.move.line"]
            .sudo()
            .search(self._get_portal_credit_domain(currency), order="date, id")
        )

    def _get_portal_payable(self, moves, amount=None):
        """Check ``moves`` can be paid together; return (amount, error message).

        Each invoice asks what its own page asks today (payment terms: the
        discounted balance while an early-payment discount runs, the next or
        overdue installments; see ``account.move._get_link_payment_values``).
        ``amount`` is what the customer's page offered: that total, or for one
        invoice its whole balance, or a partial amount (one invoice only, when
        the company enables it, never above the amount due). A discount is
        only ever granted by the server, on the day it is valid.
        """
        self.ensure_one()
        if not moves:
            return 0.0, _("Select at least one invoice to pay.")
        if len(moves.currency_id) > 1:
            return 0.0, _(
                "These invoices are in different currencies (%(currencies)s) and cannot be paid "
                "together. Please pay the invoices of each currency separately.",
                currencies=", ".join(moves.currency_id.mapped("name")),
            )
        for move in moves:
            if blocker := move._get_payment_blocker():
                return 0.0, _("%(invoice)s: %(reason)s", invoice=move.name, reason=blocker)
        currency = moves.currency_id
        # A portal customer's open credit is used first (see PaymentTransaction._create_payment).
        credit = self._get_portal_credits().get(currency, 0.0)
        asked = moves._get_link_totals()[currency]
        due = currency.round(max(0.0, asked - credit))
        if currency.is_zero(due):
            return 0.0, _(
                "Your credit of %(credit)s covers these invoices: there is nothing to pay.",
                credit=currency.format(credit),
            )
        if amount is None or currency.compare_amounts(amount, due) == 0:
            return due, ""
        if len(moves) == 1:
            full = moves._get_link_payment_values()["full_amount"]
            full = currency.round(max(0.0, full - credit))
            if currency.compare_amounts(amount, full) == 0:
                return full, ""
        if len(moves) > 1 or not self.company_id.payment_link_allow_partial:
            return 0.0, _("The amount to pay has changed. Please reload the page.")
        # A partial amount is the customer's own: it uses no credit.
        residual = currency.round(moves.amount_residual)
        if currency.compare_amounts(amount, 0) <= 0 or (
            currency.compare_amounts(amount, residual) > 0
        ):
            return 0.0, _("Please enter an amount greater than zero and at most the amount due.")
        if error := self._check_partial_amount(currency, amount, due):
            return 0.0, error
        return currency.round(amount), ""

    def _check_partial_amount(self, currency, amount, due):
        """Why ``amount`` (a partial payment of ``due``) is refused, or "".

        A partial payment is at least the company's minimum share of the amount
        due (``payment_link_partial_min_percent``), so that a link cannot be
        used to try cards with cents; paying the whole amount due is always
        allowed.
        """
        self.ensure_one()
        percent = self.company_id.payment_link_partial_min_percent or 0.0
        minimum = currency.round(due * min(max(percent, 0.0), 100.0) / 100.0)
        if (
            currency.compare_amounts(amount, due) < 0
            and currency.compare_amounts(amount, minimum) < 0
        ):
            return _(
                "Please pay at least %(minimum)s (or the whole amount due).",
                minimum=currency.format(minimum),
            )
        return ""

    def _get_invoice_page_amount(self, invoice, pay_full=False):
        """What one invoice's page asks: ``(terms, amount, credit used, error)``.

        ``terms`` are the invoice's payment terms today; ``amount`` what Pay
        charges (the default ask, or with ``pay_full`` the whole balance), net
        of a portal customer's open credit.
        """
        self.ensure_one()
        currency = invoice.currency_id
        terms = invoice._get_link_payment_values()
        credit = self._get_portal_credits().get(currency, 0.0)
        asked = terms["full_amount"] if pay_full else terms["amount"]
        net = currency.round(max(0.0, asked - credit))
        amount, error = self._get_portal_payable(invoice, net if pay_full else None)
        return terms, amount, (currency.round(asked - amount) if amount else 0.0), error

    def _get_checkout_credit(self, moves, amount):
        """The credit a checkout of ``moves`` for ``amount`` uses: all the open
        credit when ``amount`` is what they ask net of it, else none (a partial
        amount uses no credit)."""
        self.ensure_one()
        currency = moves.currency_id
        if len(currency) != 1 or not amount:
            return 0.0
        credit = self._get_portal_credits().get(currency, 0.0)
        asked = moves._get_link_totals()[currency]
        if len(moves) == 1 and currency.compare_amounts(amount + credit, asked):
            asked = moves._get_link_payment_values()["full_amount"]
        return credit if currency.compare_amounts(amount + credit, asked) == 0 else 0.0

    def _get_invoice_link_amount(self, amount=None):
        """What an invoice link charges: ``amount`` if its page offers it (the
        default or the whole balance), else the default. Invoice links take no
        amount of the customer's choosing."""
        self.ensure_one()
        values = self.move_id._get_link_payment_values()
        currency = self.move_id.currency_id
        if amount is not None and currency.compare_amounts(amount, values["full_amount"]) == 0:
            return currency.round(values["full_amount"])
        return currency.round(values["amount"])

    def _get_wire_transfer_messages(self):
        """Bank details of the link's company, where wire transfer is enabled."""
        self.ensure_one()
        Provider = self.env["payment.provider"].sudo()
        if "custom_mode" not in Provider._fields:  # payment_custom not installed
            return []
        # One query: the providers and what their messages need.
        providers = Provider.search_fetch(
            [
                ("custom_mode", "=", "wire_transfer"),
                ("state", "in", ("enabled", "test")),
                ("company_id", "=", self.company_id.id),
            ],
            ["custom_mode", "pending_msg"],
        )
        providers._transfer_ensure_pending_msg_is_set()
        return [provider.pending_msg for provider in providers if provider.pending_msg]

    @api.model
    def _check_statement_period(self, date_from, date_to):
        """Why a statement of ``date_from`` to ``date_to`` is refused, or ""."""
        if date_from and date_to and abs((date_to - date_from).days) > MAX_STATEMENT_DAYS:
            return _(
                "A statement covers at most %(years)s years. Please choose a shorter period.",
                years=MAX_STATEMENT_DAYS // 366,
            )
        return ""

    def _render_statement_pdf(self, date_from=None, date_to=None):
        """The customer's statement of account as (pdf bytes, file name)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        date_to = date_to or today
        date_from = date_from or date_to.replace(month=1, day=1)
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        pdf, _type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(self.company_id)
            ._render_qweb_pdf(
                "islebooks_payment_links.report_partner_statement",
                res_ids=self.partner_id.ids,
                data={
                    "company_id": self.company_id.id,
                    "date_from": fields.Date.to_string(date_from),
                    "date_to": fields.Date.to_string(date_to),
                },
            )
        )
        filename = _(
            "Statement %(from)s - %(to)s.pdf",
            **{"from": date_from.isoformat(), "to": date_to.isoformat()},
        )
        return pdf, filename

    # ------------------------------------------------------------------
    # Receipts (payments made through this link only)
    # ------------------------------------------------------------------

    def _get_receipt_transactions(self, domain=None):
        """The link's successful payments (sudo): done, turned into a payment."""
        self.ensure_one()
        return (
            self.env["payment.transaction"]
            .sudo()
            .search(
                expression.AND(
                    [
                        [
                            ("islebooks_payment_link_id", "=", self.id),
                            ("state", "=", "done"),
                            ("payment_id", "!=", False),
                        ],
                        domain or [],
                    ]
                ),
                order="id desc",
            )
        )

    def _get_receipt_transaction(self, tx_id):
        """The transaction ``tx_id`` (sudo) if it is a payment made through this
        link, else an empty recordset: ids come from the request."""
        self.ensure_one()
        # Werkzeug's <int:> takes any length: past 2**31 PostgreSQL would fail.
        tx_id = parse_id(tx_id)
        if not tx_id:
            return self.env["payment.transaction"].sudo().browse()
        return self._get_receipt_transactions([("id", "=", tx_id)])[:1]

    def _get_receipt_values(self, tx):
        """What a receipt of ``tx`` (a payment of this link) shows."""
        self.ensure_one()
        payment = tx.payment_id
        invoices = tx.invoice_ids
        return {
            "tx": tx,
            "payment": payment,
            "amount": tx.amount,
            "currency": tx.currency_id,
            "date": payment.date,
            "method": tx.payment_method_id.name or tx.provider_id.name,
            "reference": tx.reference,
            "invoices": invoices,
            "remaining": sum(invoices.mapped("amount_residual")),
            "url": f"/pay/{self.token}/receipt/{tx.id}",
        }

    def _get_landing_receipt(self, tx_id):
        """The receipt to show on the page the payment flow lands on: the
        browser session's last payment (Odoo's monitored transaction), if it
        was made through this link and has succeeded; else None."""
        self.ensure_one()
        tx = self._get_receipt_transaction(tx_id)
        return self._get_receipt_values(tx) if tx else None

    def _get_receipts_by_invoice(self, moves):
        """``{invoice id: [receipt url, ...]}``: the link's payments of ``moves`` (one query)."""
        self.ensure_one()
        receipts = {}
        if not moves:
            return receipts
        for tx in self._get_receipt_transactions([("invoice_ids", "in", moves.ids)]):
            for invoice in tx.invoice_ids:
                receipts.setdefault(invoice.id, []).append(f"/pay/{self.token}/receipt/{tx.id}")
        return receipts

    def _render_receipt_pdf(self, tx):
        """Odoo's payment receipt of ``tx`` (a payment of this link) as (pdf, file name)."""
        self.ensure_one()
        payment = tx.payment_id
        lang = self._get_customer_lang()
        pdf, _type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(self.company_id)
            .with_context(lang=lang)
            ._render_qweb_pdf("account.action_report_payment_receipt", res_ids=payment.ids)
        )
        filename = _("Receipt %s.pdf", (payment.name or tx.reference).replace("/", "_"))
        return pdf, filename

    # ------------------------------------------------------------------
    # Website requests: the one resolver and what each route asks of a link.
    # The controllers only resolve, call one of these, and render.
    # ------------------------------------------------------------------

    @api.model
    def _get_link_or_404(self, token, scope=None):
        """The active link (sudo) of ``token``, of ``scope`` if given.

        Raises ``NotFound`` (the one 404 page, see ``ir.http``) otherwise, or
        ``TooManyRequests`` when the client address is past the failure limit;
        a failed lookup (``FailedLookup``) is counted where it is answered.
        A valid token is always served, even from such an address (customers
        on a carrier's NAT share addresses with guessers); only failed lookups
        are counted. The lookup comes first either way: it is one indexed
        digest query, the same for every token, so the order tells nothing.
        """
        link = self._resolve(token)
        if link:
            if scope and link.scope != scope:
                raise NotFound()
            return link
        Throttle = self.env["islebooks.payment.link.throttle"].sudo()
        if retry_after := Throttle._lookup_retry_after():
            raise TooManyRequests(retry_after=retry_after)
        raise FailedLookup()

    def _get_granted_move_or_404(self, move_id):
        """The document ``move_id`` of this link (sudo), else ``NotFound``."""
        move = self._get_granted_moves([move_id])
        if not move:
            raise NotFound()
        return move

    @api.model
    def _parse_asked_amount(self, value, moves):
        """The amount a request asks to pay: None (the amount due) when not
        given, -1.0 (refused as not positive) when it is no plain amount in the
        invoices' currency (``nan``, ``1e308``, too many decimals...)."""
        if value is None or value == "":
            return None
        amount = parse_amount(value, moves.currency_id[:1].decimal_places or 2)
        return -1.0 if amount is None else amount

    def _get_selected_moves(self, selection):
        """The documents a portal ``selection`` names, if the link grants them all.

        ``selection`` is ids (``12-15`` means 12 and 15) or ``all-<currency
        id>``: every open invoice of the link in that currency ("Pay all"),
        resolved on the server instead of hundreds of ids in the URL.
        """
        self.ensure_one()
        selection = selection or ""
        if selection.startswith(PAY_ALL_PREFIX):
            currency_id = parse_id(selection[len(PAY_ALL_PREFIX) :])
            if not currency_id:
                return self.env["account.move"].sudo().browse()
            return self._get_portal_unpaid_in_currency(currency_id)
        return self._get_granted_moves(parse_ids(selection) or [])

    @api.model
    def _check_selection_size(self, ids, error=None):
        """Refuse more than ``MAX_INVOICES_PER_REQUEST`` ids (``error``: the
        exception class, a ``PortalPageError`` by default)."""
        if ids and len(ids) > MAX_INVOICES_PER_REQUEST:
            raise (error or PortalPageError)(
                _("Please select at most %(max)s invoices at once.", max=MAX_INVOICES_PER_REQUEST)
            )

    def _get_transaction_moves(self, selection=None):
        """The documents a payment of this link pays (``selection``: see
        ``_get_selected_moves``); a ``ValidationError`` the payment form shows
        when the selection is none the link grants."""
        self.ensure_one()
        if self.scope == "portal":
            if not (selection or "").startswith(PAY_ALL_PREFIX):
                self._check_selection_size(parse_ids(selection), ValidationError)
            moves = self._get_selected_moves(selection)
        else:
            moves = self.move_id
            if selection is not None and parse_ids(selection) != moves.ids:
                moves = moves.browse()
        if not moves:
            raise ValidationError(_("These invoices cannot be paid through this link."))
        return moves

    def _get_transaction_amount(self, moves, value=None):
        """What a payment of ``moves`` charges, computed on the server only:
        ``value`` (the form's amount) is accepted only where the page offers it."""
        self.ensure_one()
        asked = self._parse_asked_amount(value, moves)
        if self.scope == "portal":
            amount, error = self._get_portal_payable(moves, asked)
            if error:
                raise ValidationError(error)
            return amount
        # Not a plain amount (nan, 1e308...): the page's default amount.
        return self._get_invoice_link_amount(asked if asked is None or asked >= 0 else None)

    def _get_checkout_values(self, invoice_ids=None, currency=None, amount=None):
        """The values of the portal checkout page of ``invoice_ids`` (query
        args) or of "Pay all" of ``currency``; ``amount`` the asked amount.

        ``amount_to_pay`` is what the payment form charges (0 with an
        ``amount_error``); raises ``NotFound`` for a selection the link does
        not grant, ``PortalPageError`` for one the portal page refuses.
        """
        self.ensure_one()
        more_open = False
        if currency is not None:
            # "Pay all": the open invoices in that currency, listed or not, as
            # many as one payment holds (one more read tells there are more).
            selection = f"{PAY_ALL_PREFIX}{currency}"
            currency_id = parse_id(currency)
            moves = (
                self._get_portal_unpaid_in_currency(currency_id, limit=MAX_INVOICES_PER_REQUEST + 1)
                if currency_id
                else self.env["account.move"].sudo().browse()
            )
            more_open = len(moves) > MAX_INVOICES_PER_REQUEST
            moves = moves[:MAX_INVOICES_PER_REQUEST]
            if not moves:
                raise NotFound()
        else:
            ids = parse_ids(*(invoice_ids or []))
            self._check_selection_size(ids)
            moves = self._get_granted_moves(ids)
            if ids and not moves:
                raise NotFound()
            selection = ",".join(str(move_id) for move_id in moves.ids)
        asked_amount = self._parse_asked_amount(amount, moves)
        total, error = self._get_portal_payable(moves, asked_amount)
        if error and asked_amount is None:
            raise PortalPageError(error)
        asked = moves._get_link_asked_amounts()
        return {
            "checkout_moves": moves,
            "invoices": moves[:CHECKOUT_ROWS],
            "invoice_count": len(moves),
            "currency": moves.currency_id,
            # What each invoice asks today (payment terms) and, for one, its terms.
            "asked": asked,
            "amount_due": sum(asked.values()),
            "credit_applied": self._get_checkout_credit(moves, total),
            "credit": self._get_portal_credits().get(moves.currency_id[:1], 0.0),
            "terms": moves._get_link_payment_values() if len(moves) == 1 else None,
            "amount_error": error,
            "amount_to_pay": total,
            "selection": selection,
            "allow_partial": len(moves) == 1 and self.company_id.payment_link_allow_partial,
            # "Pay all" pays the oldest MAX_INVOICES_PER_REQUEST; say so when there are more.
            "max_invoices": MAX_INVOICES_PER_REQUEST,
            "more_open": more_open,
        }

    def _get_statement_pdf(self, date_from=None, date_to=None):
        """The statement of ``date_from`` to ``date_to`` (query args) as
        ``(pdf, file name)``; a ``PortalPageError`` for a period it refuses."""
        self.ensure_one()
        try:
            date_from = fields.Date.to_date(date_from) if date_from else None
            date_to = fields.Date.to_date(date_to) if date_to else None
            # Years before 1900 hold no accounting and do not survive the
            # report's date round trip (a 500 otherwise): refused like typos.
            if any(date and date.year < 1900 for date in (date_from, date_to)):
                raise ValueError(date_from, date_to)
        except ValueError as error:
            raise PortalPageError(_("Please choose valid dates for the statement.")) from error
        # The same defaults as the statement itself: to today, from January 1st.
        effective_to = date_to or fields.Date.context_today(self)
        effective_from = date_from or effective_to.replace(month=1, day=1)
        if error := self._check_statement_period(effective_from, effective_to):
            raise PortalPageError(error)
        return self._render_statement_pdf(date_from, date_to)

    def _get_zip_documents(self, invoice_ids):
        """The legal PDFs of ``invoice_ids`` (query args) as the
        ``[{"filename", "content"}]`` of account's ``_build_zip_from_data``.

        Bounded work: past ``MAX_PDFS_PER_REQUEST`` missing PDFs, some are
        prepared now and a ``PortalPageError`` (409) asks for the next click.
        """
        self.ensure_one()
        ids = parse_ids(*(invoice_ids or []))
        self._check_selection_size(ids)
        moves = self._get_granted_moves(ids)
        if not moves:
            raise NotFound()
        missing = moves.filtered(lambda move: not move.invoice_pdf_report_id)
        if len(missing) > MAX_PDFS_PER_REQUEST:
            missing[:MAX_PDFS_PER_REQUEST]._get_legal_pdfs()
            raise PortalPageError(
                _(
                    "Your invoices are being prepared: %(ready)s of %(count)s are ready. "
                    "Please download again in a moment to get them all.",
                    ready=len(moves) - len(missing) + MAX_PDFS_PER_REQUEST,
                    count=len(moves),
                ),
                status=409,
            )
        return [
            {"filename": attachment.name or f"{move.name}.pdf", "content": attachment.raw}
            for move, attachment in zip(moves, moves._get_legal_pdfs(), strict=True)
        ]


class PortalPageError(UserError):
    """A portal request the portal page answers with this message (HTTP ``status``)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status
