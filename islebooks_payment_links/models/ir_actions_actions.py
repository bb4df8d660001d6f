from odoo import api, models, tools

MODULE = "islebooks_payment_links"


class IrActionsActions(models.Model):
    _inherit = "ir.actions.actions"

    @api.model
    def _get_payment_link_context_modules(self):
        """The addons whose bound server actions the right-click menu offers: this
        one, and its glue addons (Send by SMS) add themselves."""
        return [MODULE]

    @api.model
    @tools.ormcache()
    def _get_payment_link_context_action_ids(self):
        """Ids of the addon's own bound actions: the ones the list's right-click menu offers."""
        data = (
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("module", "in", self._get_payment_link_context_modules()),
                    ("model", "=", "ir.actions.server"),
                ]
            )
        )
        return frozenset(data.mapped("res_id"))

    @api.model
    def get_bindings(self, model_name):
        """Flag the addon's actions so the list's right-click menu can offer them.

        The web client already receives these bindings for its Actions menu;
        the flag saves it a second request per list.
        """
        result = super().get_bindings(model_name)
        ours = self._get_payment_link_context_action_ids()
        for action in result.get("action", []):
            if action["id"] in ours:
                action["islebooks_context_menu"] = True
        return result
