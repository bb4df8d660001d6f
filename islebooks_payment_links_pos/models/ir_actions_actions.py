from odoo import api, models, tools

MODULE = "islebooks_payment_links_pos"


class IrActionsActions(models.Model):
    _inherit = "ir.actions.actions"

    @api.model
    @tools.ormcache()
    def _get_payment_link_context_action_ids(self):
        """The main addon's actions and this addon's (Point of Sale › Orders): the
        list's right-click menu offers them all."""
        data = (
            self.env["ir.model.data"]
            .sudo()
            .search([("module", "=", MODULE), ("model", "=", "ir.actions.server")])
        )
        return super()._get_payment_link_context_action_ids() | frozenset(data.mapped("res_id"))
