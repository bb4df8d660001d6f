import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.constants import (
    TOKEN_BYTES,
)
from ..tools.tokens import token_digest


class IslebooksPaymentLink(models.Model):
    """Issuing links: the live link of each target, created in bulk by raw SQL
    when missing (one link per target, whatever runs at the same time)."""

    _inherit = "islebooks.payment.link"

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
                digests=[token_digest(token) for token in tokens],
                scopes=arrays["scope"],
                moves=arrays["move_id"],
                partners=arrays["partner_id"],
                companies=arrays["company_id"],
                expiries=arrays["expires_at"],
                key=SQL.identifier(key_field),
            )
        )
        return {key: link_id for link_id, key in self.env.cr.fetchall()}
