from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        # An archived customer's links stop opening at once (and stay on file).
        if "active" in vals and not vals["active"]:
            self.env["islebooks.payment.link"]._revoke_for_partners(self)
        return super().write(vals)
