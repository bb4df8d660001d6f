from odoo import api, models


class IrActionsActions(models.Model):
    _inherit = "ir.actions.actions"

    @api.model
    def _get_payment_link_context_modules(self):
        """Send by SMS joins the right-click menu of invoice lists."""
        return [*super()._get_payment_link_context_modules(), "islebooks_payment_links_sms"]
