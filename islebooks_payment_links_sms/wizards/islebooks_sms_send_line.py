from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.islebooks_payment_links.tools.access import check_protected_write
from odoo.addons.islebooks_payment_links.tools.constants import STAFF_GROUP
from odoo.addons.islebooks_payment_links.tools.phone import to_international


class IslebooksSmsSendLine(models.TransientModel):
    _name = "islebooks.sms.send.line"
    _description = "SMS to one customer"
    _check_company_auto = True

    wizard_id = fields.Many2one("islebooks.sms.send", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    contact_id = fields.Many2one("res.partner", readonly=True, help="Whose mobile number is used.")
    move_ids = fields.Many2many(
        "account.move",
        "islebooks_sms_send_line_move_rel",
        "line_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    number = fields.Char("Mobile", readonly=True)
    error = fields.Char("Cannot send", readonly=True)
    # The text carries the payment link: invoicing staff only.
    message = fields.Text(readonly=True, groups=STAFF_GROUP)
    sent = fields.Boolean(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        # Lines are made by Send by SMS, for documents it checked.
        if not self.env.su:
            raise AccessError(_("SMS lines are made by Send by SMS."))
        return super().create(vals_list)

    def write(self, vals):
        # The addon marks a line sent; nothing is edited by hand.
        check_protected_write(self, vals, ())
        return super().write(vals)

    def _send(self):
        """Post each line's SMS on its customer through Odoo's SMS module (one
        batch to the provider for them all), note it on its invoices, mark it sent.

        Checked by the caller (invoicing staff, their own dialog): the SMS is
        posted with sudo, Billing having no right to edit contacts.
        """
        messages = self.env["mail.message"]
        for line in self:
            messages |= line.partner_id.sudo()._message_sms(
                line.message,
                partner_ids=line.contact_id.ids,
                sms_pid_to_number={line.contact_id.id: line.number},
                put_in_queue=True,
            )
            line._log_on_invoices()
        self.env["sms.sms"].sudo().search(
            [("mail_message_id", "in", messages.ids), ("state", "=", "outgoing")]
        ).send(auto_commit=False, raise_exception=False)
        self.sudo().sent = True

    def _log_on_invoices(self):
        self.ensure_one()
        moves = self.move_ids
        if not moves:
            return
        if len(moves) == 1:
            body = _("SMS sent to %(number)s by %(user)s.")
        else:
            body = _("SMS about %(invoices)s sent to %(number)s by %(user)s.")
        body = body % {
            "number": to_international(self.number),
            "user": self.env.user.name,
            "invoices": ", ".join(moves.mapped("name")),
        }
        moves._message_log_batch(
            bodies={move.id: Markup("<p>%s</p>") % body for move in moves},
            partner_ids=self.contact_id.ids,
        )

    def action_open_contact(self):
        self.ensure_one()
        return self.contact_id._get_whatsapp_form_action()
