from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _get_item_reference(self):
        """A Point of Sale closing entry's item is known by its label (the
        order it charged to the customer's account, see
        ``pos.session._get_split_receivable_vals``), not by the session's name
        the entry's reference holds."""
        self.ensure_one()
        # sudo: the entry's sessions only tell whether it is a closing entry
        # (read for all the items being shown at once).
        if self.name and self.sudo().move_id.pos_session_ids:
            return self.name
        return super()._get_item_reference()
