from urllib.parse import quote

from markupsafe import Markup

from odoo import _, models
from odoo.exceptions import RedirectWarning, UserError

from ..tools.access import check_staff_access
from ..tools.phone import to_international
from ..tools.whatsapp import format_totals, whatsapp_url


class IslebooksPaymentLink(models.Model):
    """Handing a link to its customer from the Generate Payment Link dialog
    (contacts): QR code, WhatsApp, email; and the note of a link shared from
    the device's share sheet (Share…)."""

    _inherit = "islebooks.payment.link"

    def action_download_qr_code(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            # Quoted: a customer named "A/B & Co #2" must not cut the URL.
            "url": f"/web/content/{self._name}/{self.id}/qr_code/"
            f"{quote(self.qr_filename.replace('/', '-'), safe='')}?download=true",
            "target": "download",
        }

    def _check_sendable(self):
        self.ensure_one()
        check_staff_access(self.env)
        if self.state != "active":
            raise UserError(
                _("This link is %(state)s: regenerate it before sending it.", state=self.state)
            )

    def action_send_whatsapp(self):
        """Open WhatsApp with the portal link and what the customer owes, like invoices do.

        The figure is the one the Customer Portal page shows (its summary's
        ``amount``: net of open credit, never below zero), so the message and the
        page the customer opens from it never disagree.
        """
        self._check_sendable()
        customer = self.partner_id
        contact = customer._get_whatsapp_recipient()
        number, error = contact._get_whatsapp_e164()
        if error:
            raise RedirectWarning(error, contact._get_whatsapp_form_action(), _("Open contact"))
        totals = {row["currency"]: row["amount"] for row in self._get_portal_totals()}
        message = self.env.ref("islebooks_payment_links.whatsapp_template_portal")._render_message(
            contact,
            add_context={
                "portal_url": self.url,
                "total_due": format_totals(self.env, totals, contact.lang or self.env.lang),
                "company_name": self.company_id.name,
            },
        )
        customer._message_log(
            body=Markup("<p>%s</p>")
            % _(
                "Portal payment link sent via WhatsApp to %(number)s by %(user)s.",
                number=to_international(number),
                user=self.env.user.name,
            )
        )
        web = self.company_id.whatsapp_link_mode == "web"
        return {
            "type": "ir.actions.act_url",
            "url": whatsapp_url(number, message, web=web),
            "target": "new",
        }

    def action_send_email(self):
        """The email composer with the editable portal-link template, for this customer."""
        self._check_sendable()
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
                "allowed_company_ids": self.company_id.ids,
            },
        }

    def action_log_share(self):
        """Note in the chatter that staff handed these links to their device's share sheet.

        Share… (Copy Invoice URL, Generate Payment Link) calls it once the browser
        says the share went through (the Web Share API runs in the browser, so this
        is the server's only part): one note on each link's invoice, or on the
        customer for a portal link. Checked like the other sends: invoicing staff,
        links of their companies they may read, live links only.
        """
        check_staff_access(self.env)
        self.check_access("read")
        dead = self.filtered(lambda link: link.state != "active")
        if dead:
            raise UserError(
                _(
                    "This link is %(state)s: regenerate it before sending it.",
                    state=dead[0].state,
                )
            )
        moves = self.filtered(lambda link: link.scope == "invoice").move_id
        customers = self.filtered(lambda link: link.scope == "portal").partner_id
        # _message_log_batch checks nothing itself: the user must read the documents.
        moves.check_access("read")
        customers.check_access("read")
        # Not named "user": _() reads a local of that name as the user.
        staff = self.env.user.name
        if moves:
            body = Markup("<p>%s</p>") % _(
                "Payment link shared from the device's share sheet by %(user)s.", user=staff
            )
            moves._message_log_batch(bodies=dict.fromkeys(moves.ids, body))
        if customers:
            body = Markup("<p>%s</p>") % _(
                "Portal payment link shared from the device's share sheet by %(user)s.",
                user=staff,
            )
            customers._message_log_batch(bodies=dict.fromkeys(customers.ids, body))
        return True
