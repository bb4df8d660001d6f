from odoo import _, api, fields, models
from odoo.tools import SQL

from ..models.islebooks_payment_link import check_protected_write, check_staff_access


class IslebooksPaymentLinkWizard(models.TransientModel):
    _name = "islebooks.payment.link.wizard"
    _description = "Customer Portal Link"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    partner_ids = fields.Many2many("res.partner", string="Customers", readonly=True)
    line_ids = fields.One2many("islebooks.payment.link.wizard.line", "wizard_id", string="Links")
    line_count = fields.Integer(compute="_compute_line_count")

    @api.depends("line_ids")
    def _compute_line_count(self):
        for wizard in self:
            wizard.line_count = len(wizard.line_ids)

    @api.model_create_multi
    def create(self, vals_list):
        check_staff_access(self.env)
        wizards = super().create(vals_list)
        for wizard in wizards:
            # Links are got or created in one batch for all the customers.
            partners = wizard.partner_ids.commercial_partner_id
            wizard._insert_lines(partners, partners._get_portal_payment_links())
        return wizards

    def write(self, vals):
        # The customers and company are those the wizard was opened for.
        check_protected_write(self, vals, {"line_ids"})
        return super().write(vals)

    def _insert_lines(self, partners, links):
        """One INSERT for any number of customers: the ORM would take one per 100."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO islebooks_payment_link_wizard_line
                       (wizard_id, partner_id, link_id, company_id, create_uid, create_date,
                        write_uid, write_date)
                SELECT %(wizard)s, t.partner_id, t.link_id, link.company_id, %(uid)s, %(now)s,
                       %(uid)s, %(now)s
                  FROM unnest(%(partners)s::int[], %(links)s::int[]) AS t(partner_id, link_id)
                  JOIN islebooks_payment_link link ON link.id = t.link_id
                """,
                wizard=self.id,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                partners=partners.ids,
                links=links.ids,
            )
        )
        self.invalidate_recordset(["line_ids"])

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Customer Portal Link"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            # Wide enough for the link, its QR code and every button at 1280 px.
            "context": {**self.env.context, "dialog_size": "extra-large"},
        }
