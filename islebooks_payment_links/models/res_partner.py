from odoo import _, api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    payment_link_portal_id = fields.Many2one(
        "islebooks.payment.link",
        string="Portal payment link",
        compute="_compute_payment_link_portal",
        help="The customer's active portal link in the current company.",
    )
    payment_link_portal_url = fields.Char(
        "Portal link", compute="_compute_payment_link_portal"
    )
    payment_link_portal_created_at = fields.Datetime(
        "Link created", compute="_compute_payment_link_portal"
    )
    payment_link_portal_expires_at = fields.Datetime(
        "Link expires", compute="_compute_payment_link_portal"
    )
    payment_link_portal_first_viewed_at = fields.Datetime(
        "First opened", compute="_compute_payment_link_portal"
    )
    payment_link_portal_last_viewed_at = fields.Datetime(
        "Last opened", compute="_compute_payment_link_portal"
    )
    payment_link_portal_view_count = fields.Integer(
        "Link views", compute="_compute_payment_link_portal"
    )
    payment_link_portal_payment_count = fields.Integer(
        "Link payments", compute="_compute_payment_link_portal"
    )

    @api.depends_context("company")
    def _compute_payment_link_portal(self):
        # One search for all the partners shown, whatever their number.
        links = self.env["islebooks.payment.link"].sudo().search(
            [
                ("scope", "=", "portal"),
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "active"),
            ]
        )
        by_partner = {link.partner_id.id: link.id for link in links}
        for partner in self:
            link = links.browse(by_partner.get(partner.commercial_partner_id.id))
            partner.payment_link_portal_id = link
            partner.payment_link_portal_url = link.url
            partner.payment_link_portal_created_at = link.create_date
            partner.payment_link_portal_expires_at = link.expires_at
            partner.payment_link_portal_first_viewed_at = link.first_viewed_at
            partner.payment_link_portal_last_viewed_at = link.last_viewed_at
            partner.payment_link_portal_view_count = link.view_count
            partner.payment_link_portal_payment_count = link.payment_count

    def _get_portal_payment_links(self):
        """The live portal link of each commercial partner, created where missing."""
        return self.env["islebooks.payment.link"]._get_or_create(
            "portal", self.commercial_partner_id
        )

    def action_generate_payment_link(self):
        wizard = self.env["islebooks.payment.link.wizard"].create(
            {"partner_ids": [fields.Command.set(self.commercial_partner_id.ids)]}
        )
        return wizard._action_open()

    def action_open_portal_payment_link(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Portal payment link"),
            "res_model": "islebooks.payment.link",
            "view_mode": "form",
            "res_id": self.payment_link_portal_id.id,
        }

    def _get_statement_values(self, company, date_from, date_to):
        """Statement of account of this commercial partner in ``company``.

        Receivable journal items in company currency: opening balance before
        ``date_from``, every item of the period with a running balance, and the
        closing balance. Two queries whatever the number of items.
        """
        self.ensure_one()
        Line = self.env["account.move.line"].sudo()
        base = [
            ("partner_id.commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", company.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
        ]
        [(opening,)] = Line._read_group(base + [("date", "<", date_from)], [], ["balance:sum"])
        lines = Line.search(
            base + [("date", ">=", date_from), ("date", "<=", date_to)], order="date, move_id, id"
        )
        kinds = {
            "out_invoice": _("Invoice"),
            "out_refund": _("Credit note"),
            "out_receipt": _("Receipt"),
        }
        balance = opening or 0.0
        rows = []
        for line in lines:
            balance += line.balance
            move = line.move_id
            if move.move_type in kinds:
                kind = kinds[move.move_type]
            elif line.payment_id or line.credit:
                kind = _("Payment")
            else:
                kind = _("Other")
            rows.append(
                {
                    "date": line.date,
                    "kind": kind,
                    "name": move.name,
                    "ref": line.ref or move.ref or "",
                    "date_due": line.date_maturity if move.move_type == "out_invoice" else False,
                    "debit": line.debit,
                    "credit": line.credit,
                    "balance": balance,
                }
            )
        return {
            "partner": self.commercial_partner_id,
            "company": company,
            "currency": company.currency_id,
            "date_from": date_from,
            "date_to": date_to,
            "opening": opening or 0.0,
            "rows": rows,
            "closing": balance,
        }
