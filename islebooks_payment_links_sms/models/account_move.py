from odoo import _, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.islebooks_payment_links.tools.constants import STAFF_GROUP


class AccountMove(models.Model):
    _inherit = "account.move"

    def _check_sms_sendable(self):
        """Raise a UserError naming every document that is no posted customer invoice
        (paid ones are only left out of the SMS: see islebooks.sms.send)."""
        problems = []
        for move in self:
            if move.move_type != "out_invoice":
                problems.append(_("%(name)s is not a customer invoice", name=move.display_name))
            elif move.state != "posted":
                problems.append(
                    _("%(name)s is not posted: confirm it first", name=move.display_name)
                )
        self._raise_problems(_("Only posted customer invoices can be sent by SMS."), problems)

    def action_send_sms(self):
        """Send by SMS: the dialog with one SMS per customer, to check and send."""
        if not self.env.user.has_group(STAFF_GROUP):
            raise AccessError(_("Only invoicing users can send payment links by SMS."))
        self.check_access("read")
        if not self:
            raise UserError(_("Select the invoices to send by SMS."))
        return self.env["islebooks.sms.send"]._action_send_invoices(self)
