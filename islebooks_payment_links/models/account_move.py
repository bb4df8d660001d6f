from odoo import _, api, fields, models
from odoo.exceptions import UserError

LINKABLE_MOVE_TYPES = ("out_invoice", "out_refund")


class AccountMove(models.Model):
    _inherit = "account.move"

    payment_link_ids = fields.One2many(
        "islebooks.payment.link", "move_id", string="Payment links", readonly=True
    )
    payment_link_id = fields.Many2one(
        "islebooks.payment.link",
        string="Payment link",
        compute="_compute_payment_link",
        help="The link currently shared with the customer for this invoice.",
    )
    payment_link_url = fields.Char("Payment link URL", compute="_compute_payment_link")
    payment_link_expires_at = fields.Datetime(compute="_compute_payment_link")
    payment_link_first_viewed_at = fields.Datetime(compute="_compute_payment_link")
    payment_link_last_viewed_at = fields.Datetime(compute="_compute_payment_link")
    payment_link_view_count = fields.Integer(compute="_compute_payment_link")

    @api.depends(
        "payment_link_ids.revoked_at",
        "payment_link_ids.expires_at",
        "payment_link_ids.first_viewed_at",
        "payment_link_ids.last_viewed_at",
        "payment_link_ids.view_count",
    )
    def _compute_payment_link(self):
        for move in self:
            link = move.payment_link_ids.filtered(lambda link: link.state == "active")[:1]
            move.payment_link_id = link
            move.payment_link_url = link.url
            move.payment_link_expires_at = link.expires_at
            move.payment_link_first_viewed_at = link.first_viewed_at
            move.payment_link_last_viewed_at = link.last_viewed_at
            move.payment_link_view_count = link.view_count

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
        if problems:
            raise UserError(
                _("Payment links are only for posted customer invoices and credit notes.")
                + "\n"
                + "\n".join(f"• {problem}" for problem in problems)
            )

    def _get_payment_links(self):
        """The live link of each move, created where missing (one batch)."""
        self._check_payment_link_allowed()
        return self.env["islebooks.payment.link"]._get_or_create("invoice", self)

    def _get_payment_blocker(self):
        """Why this invoice cannot be paid online right now, or an empty string."""
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state != "posted":
            return _("This document cannot be paid online.")
        if self.payment_state in ("paid", "reversed") or self.currency_id.is_zero(
            self.amount_residual
        ):
            return _("This invoice is paid.")
        pending = self.transaction_ids.filtered(
            lambda tx: (
                tx.state in ("pending", "authorized") and tx.provider_code not in ("none", "custom")
            )
        )
        if pending:
            return _("A payment is being processed for this invoice.")
        return ""

    def action_copy_payment_link(self):
        links = self._get_payment_links()
        return {
            "type": "ir.actions.client",
            "tag": "islebooks_copy_payment_links",
            "params": {
                "links": [
                    {"name": move.name, "url": link.url}
                    for move, link in zip(self, links, strict=True)
                ],
            },
        }

    def action_revoke_payment_link(self):
        self.payment_link_id.action_revoke()
        return True

    def _get_legal_pdf(self):
        """The invoice's legal PDF attachment, generated the way Print does if missing.

        Odoo's portal falls back to a pro-forma for an invoice never printed or
        sent; a customer paying through a link gets the real document instead.
        """
        self.ensure_one()
        if not self.invoice_pdf_report_id:
            # Serialise concurrent first downloads: only one generates the file.
            self.env.cr.execute("SELECT id FROM account_move WHERE id = %s FOR UPDATE", [self.id])
            self.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
            if not self.invoice_pdf_report_id:
                self.env["account.move.send"].sudo()._generate_and_send_invoices(
                    self.sudo(), sending_methods=["manual"]
                )
        return self.sudo().invoice_pdf_report_id

    @api.model
    def _demo_create_payment_links(self):
        invoices = self.search(
            [("move_type", "=", "out_invoice"), ("state", "=", "posted")], limit=3
        )
        if invoices:
            invoices._get_payment_links()
