from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, RedirectWarning

from ..tools.access import check_protected_write
from ..tools.constants import STAFF_GROUP
from ..tools.phone import to_international


class IslebooksWhatsappSendLine(models.TransientModel):
    _name = "islebooks.whatsapp.send.line"
    _description = "WhatsApp message to one customer"
    _check_company_auto = True

    wizard_id = fields.Many2one(
        "islebooks.whatsapp.send", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    contact_id = fields.Many2one(
        "res.partner", readonly=True, help="Whose WhatsApp number is used."
    )
    move_ids = fields.Many2many(
        "account.move",
        "islebooks_whatsapp_send_line_move_rel",
        "line_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    number = fields.Char("WhatsApp", readonly=True)
    error = fields.Char("Cannot send", readonly=True)
    # Both carry the payment link: invoicing staff of the line's company only.
    message = fields.Text(readonly=True, groups=STAFF_GROUP)
    url = fields.Char(readonly=True, groups=STAFF_GROUP)
    opened = fields.Boolean(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        # Lines are made by Send via WhatsApp, for invoices it checked.
        if not self.env.su:
            raise AccessError(_("WhatsApp message lines are made by Send via WhatsApp."))
        return super().create(vals_list)

    def write(self, vals):
        # Only "opened" changes once the message is made: a URL edited by
        # someone else would open another chat than the one shown.
        check_protected_write(self, vals, {"opened"})
        return super().write(vals)

    def action_open_whatsapp(self):
        """Open the chat in a new tab and note it on each invoice's chatter."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only invoicing users can send invoices via WhatsApp."))
        if self.error:
            raise RedirectWarning(
                self.error, self.contact_id._get_whatsapp_form_action(), _("Open contact")
            )
        number = to_international(self.number)
        if len(self.move_ids) == 1:
            body = _("WhatsApp message opened for %(number)s by %(user)s.")
        else:
            body = _("WhatsApp message about %(invoices)s opened for %(number)s by %(user)s.")
        body = body % {
            "number": number,
            "user": self.env.user.name,
            "invoices": ", ".join(self.move_ids.mapped("name")),
        }
        self.move_ids._message_log_batch(
            bodies={move.id: Markup("<p>%s</p>") % body for move in self.move_ids},
            partner_ids=self.contact_id.ids,
        )
        self.opened = True
        return {"type": "ir.actions.act_url", "url": self.url, "target": "new"}

    def action_open_contact(self):
        self.ensure_one()
        return self.contact_id._get_whatsapp_form_action()
