from odoo import _, fields, models


class ResPartner(models.Model):
    """The statement of account: the customer's receivable items and their values."""

    _inherit = "res.partner"

    def _get_receivable_domain(self, company):
        """The posted receivable items of this customer in ``company``: what its
        statement lists and its open credit is read from."""
        self.ensure_one()
        return [
            ("partner_id.commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", company.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
        ]

    def _get_statement_values(self, company, date_from, date_to):
        """Statement of account of this commercial partner in ``company``.

        Receivable journal items in company currency: opening balance before
        ``date_from``, every item of the period with a running balance, and the
        closing balance. Two queries whatever the number of items.
        """
        self.ensure_one()
        Line = self.env["account.move.line"].sudo()
        base = self._get_receivable_domain(company)
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
            # What is owed today per currency, net of open credit (as every
            # channel says it), under a statement that runs to today.
            "owed": (
                [
                    row
                    for row in self._get_amount_owed(company)
                    if row["count"] or row["item_count"] or row["amount"]
                ]
                if date_to >= fields.Date.context_today(self)
                else []
            ),
        }
