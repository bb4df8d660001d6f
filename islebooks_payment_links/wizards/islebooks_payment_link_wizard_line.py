from urllib.parse import quote

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, RedirectWarning, UserError

from ..models.islebooks_payment_link import STAFF_GROUP, check_protected_write, check_staff_access
from ..tools.phone import to_international
from ..tools.qr import qr_png_base64
from ..tools.whatsapp import format_totals, whatsapp_url


class IslebooksPaymentLinkWizardLine(models.TransientModel):
    _name = "islebooks.payment.link.wizard.line"
    _description = "Customer Portal Link: one customer"
    _check_company_auto = True

    wizard_id = fields.Many2one(
        "islebooks.payment.link.wizard", required=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    link_id = fields.Many2one(
        "islebooks.payment.link",
        string="Payment link",
        required=True,
        readonly=True,
        ondelete="cascade",
        check_company=True,
    )
    # Read as the user (not sudo): the links' company rule applies to the line too.
    url = fields.Char("Link", related="link_id.url", related_sudo=False, groups=STAFF_GROUP)
    state = fields.Selection(related="link_id.state", related_sudo=False)
    expires_at = fields.Datetime(
        "Expires on",
        related="link_id.expires_at",
        related_sudo=False,
        readonly=False,
        help="Leave empty for a link that never expires.",
    )
    qr_code = fields.Binary("QR code", compute="_compute_qr_code", groups=STAFF_GROUP)
    qr_filename = fields.Char(compute="_compute_qr_code")

    @api.depends("url", "state")
    def _compute_qr_code(self):
        for line in self:
            if not line.url or line.state != "active":
                line.qr_code = False
                line.qr_filename = False
                continue
            line.qr_code = qr_png_base64(line.url, box_size=8)
            line.qr_filename = f"payment-link-{line.partner_id.name or line.partner_id.id}.png"

    def action_download_qr_code(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            # Quoted: a customer named "A/B & Co #2" must not cut the URL.
            "url": f"/web/content/{self._name}/{self.id}/qr_code/"
            f"{quote(self.qr_filename.replace('/', '-'), safe='')}?download=true",
            "target": "download",
        }

    @api.model_create_multi
    def create(self, vals_list):
        # Lines are inserted by the wizard itself, for the links it got or created.
        if not self.env.su:
            raise AccessError(_("Payment link lines are made by Customer Portal Link."))
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, {"expires_at"})
        return super().write(vals)

    def action_revoke(self):
        self.link_id.action_revoke()
        return self.wizard_id._action_open()

    def action_regenerate(self):
        check_staff_access(self.env)
        for line in self:
            # Checked above and by the rules on the line and its link.
            line.sudo().link_id = line.link_id._regenerate()
        return self.wizard_id._action_open()

    def _check_active(self):
        self.ensure_one()
        check_staff_access(self.env)
        if self.state != "active":
            raise UserError(
                _("This link is %(state)s: regenerate it before sending it.", state=self.state)
            )

    def _get_total_due_text(self, lang):
        """The customer's amount due in the link's company, formatted per currency."""
        return format_totals(
            self.env,
            {row["currency"]: row["gross"] for row in self.link_id._get_portal_totals()},
            lang,
        )

    def action_send_whatsapp(self):
        """Open WhatsApp with the portal link and the total due, like invoices do."""
        self._check_active()
        customer = self.partner_id
        contact = customer._get_whatsapp_recipient()
        number, error = contact._get_whatsapp_e164()
        if error:
            raise RedirectWarning(error, contact._get_whatsapp_form_action(), _("Open contact"))
        template = self.env.ref("islebooks_payment_links.whatsapp_template_portal")
        message = template._render_message(
            contact,
            add_context={
                "portal_url": self.url,
                "total_due": self._get_total_due_text(contact.lang or self.env.lang),
                "company_name": self.link_id.company_id.name,
            },
        )
        web = self.link_id.company_id.whatsapp_link_mode == "web"
        customer._message_log(
            body=Markup("<p>%s</p>")
            % _(
                "Portal payment link sent via WhatsApp to %(number)s by %(user)s.",
                number=to_international(number),
                user=self.env.user.name,
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": whatsapp_url(number, message, web=web),
            "target": "new",
        }

    def action_send_email(self):
        """The email composer with the editable portal-link template, for this customer."""
        self._check_active()
        template = self.env.ref("islebooks_payment_links.mail_template_portal_link_email")
        return {
            "type": "ir.actions.act_window",
            "name": _("Send the payment link by email"),
            "res_model": "mail.compose.message",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": self.partner_id.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "allowed_company_ids": self.link_id.company_id.ids,
            },
        }
