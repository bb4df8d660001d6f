from odoo import _, models
from odoo.exceptions import RedirectWarning


class IslebooksPaymentLink(models.Model):
    _inherit = "islebooks.payment.link"

    def action_send_sms(self):
        """Generate Payment Link › SMS: the portal link and what the customer owes,
        in the Send by SMS dialog (the figure Send via WhatsApp quotes)."""
        self._check_sendable()
        self.check_access("read")
        contact = self.partner_id._get_sms_recipient()
        number, error = contact._get_sms_number()
        if error:
            raise RedirectWarning(error, contact._get_whatsapp_form_action(), _("Open contact"))
        return self.env["islebooks.sms.send"]._action_send_portal(self)
