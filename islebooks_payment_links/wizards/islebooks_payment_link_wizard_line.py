import base64
import io

import qrcode

from odoo import api, fields, models


class IslebooksPaymentLinkWizardLine(models.TransientModel):
    _name = "islebooks.payment.link.wizard.line"
    _description = "Generate Payment Link: one customer"

    wizard_id = fields.Many2one("islebooks.payment.link.wizard", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    link_id = fields.Many2one(
        "islebooks.payment.link", string="Payment link", required=True, readonly=True
    )
    url = fields.Char("Link", related="link_id.url")
    state = fields.Selection(related="link_id.state")
    expires_at = fields.Datetime(
        "Expires on",
        related="link_id.expires_at",
        readonly=False,
        help="Leave empty for a link that never expires.",
    )
    qr_code = fields.Binary("QR code", compute="_compute_qr_code")
    qr_filename = fields.Char(compute="_compute_qr_code")

    @api.depends("url", "state")
    def _compute_qr_code(self):
        for line in self:
            if not line.url or line.state != "active":
                line.qr_code = False
                line.qr_filename = False
                continue
            image = qrcode.make(line.url, box_size=8, border=2)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            line.qr_code = base64.b64encode(buffer.getvalue())
            line.qr_filename = f"payment-link-{line.partner_id.name or line.partner_id.id}.png"

    def action_download_qr_code(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/qr_code/{self.qr_filename}?download=true",
            "target": "download",
        }

    def action_revoke(self):
        self.link_id.action_revoke()
        return self.wizard_id._action_open()

    def action_regenerate(self):
        for line in self:
            line.link_id = line.link_id._regenerate()
        return self.wizard_id._action_open()
