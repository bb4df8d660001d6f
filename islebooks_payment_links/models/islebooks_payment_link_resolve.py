from odoo import api, fields, models
from odoo.tools import consteq

from ..tools.constants import (
    CUSTOMER_MOVE_TYPES,
    TOKEN_PATTERN,
    VIEW_DEBOUNCE,
)
from ..tools.tokens import token_digest


class IslebooksPaymentLink(models.Model):
    """Resolution, the only way the website reads a token: lookup by digest,
    the customer's language, the views counted."""

    _inherit = "islebooks.payment.link"

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
            [("token_digest", "=", token_digest(token))],
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
