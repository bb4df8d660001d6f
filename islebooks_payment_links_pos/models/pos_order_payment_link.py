from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.islebooks_payment_links.tools.access import check_staff_access


class PosOrder(models.Model):
    """Point of Sale › Orders: the main addon's actions, on the order's invoice
    (Copy Invoice URL, Send via WhatsApp) or its customer (Generate Payment Link).
    Each checks what the main addon's action checks, then calls it."""

    _inherit = "pos.order"

    def _check_staff_read(self):
        check_staff_access(self.env)
        self.check_access("read")
        if not self:
            raise UserError(_("Select the orders first."))

    def _get_invoices(self):
        """The invoices of the orders, or a UserError naming every order without one."""
        missing = self.filtered(lambda order: not order.account_move)
        if missing:
            raise UserError(
                _("These orders have no invoice: invoice them first.")
                + "\n"
                + "\n".join(f"• {order.name}" for order in missing)
            )
        return self.account_move

    def action_copy_invoice_payment_link(self):
        self._check_staff_read()
        return self._get_invoices().action_copy_payment_link()

    def action_send_invoice_whatsapp(self):
        self._check_staff_read()
        return self._get_invoices().action_send_whatsapp()

    def action_generate_payment_link(self):
        self._check_staff_read()
        missing = self.filtered(lambda order: not order.partner_id)
        if missing:
            raise UserError(
                _("These orders have no customer: a payment link is a customer's.")
                + "\n"
                + "\n".join(f"• {order.name}" for order in missing)
            )
        return self.partner_id.action_generate_payment_link()
