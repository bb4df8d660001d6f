from datetime import timedelta

from odoo import _, api, fields, models

from ..tools.access import check_staff_access


class IslebooksPaymentLink(models.Model):
    """The end of a link and its successor: a fresh link on the customer's request
    (from a dead link's page), revoke and regenerate by staff."""

    _inherit = "islebooks.payment.link"

    # ------------------------------------------------------------------
    # Fresh link on request (from the page of a dead link)
    # ------------------------------------------------------------------

    @api.model
    def _request_renewal(self, token):
        """Email a fresh link if ``token`` is a known expired link.

        The fresh link goes only to the email already on file and staff get
        an activity to resend it (e.g. by WhatsApp). Unknown tokens, live
        links, links revoked by staff (or replaced by Regenerate) and links
        renewed in the last hour do nothing: the caller
        answers the same thing in every case, so the answer reveals nothing.
        Returns the fresh link (or an empty recordset) for tests and logs.
        """
        Link = self.sudo()
        link = self._find_by_token(token)
        if not link or not link._is_renewable():
            return Link.browse()
        now = fields.Datetime.now()
        if link.renewal_requested_at and link.renewal_requested_at > now - timedelta(hours=1):
            return Link.browse()
        partner = link.partner_id
        move = link.move_id
        if not partner.active or (move and move.state != "posted"):
            # Archived/merged customers and cancelled invoices get no new link.
            return Link.browse()
        if (move.commercial_partner_id or partner.commercial_partner_id) != partner:
            # The invoice (or the contact) belongs to another customer now: the
            # holder of the old link gets nothing of theirs, not even by email.
            return Link.browse()
        link.renewal_requested_at = now
        Link = Link.with_company(link.company_id)
        fresh = Link._get_or_create(link.scope, move if link.scope == "invoice" else partner)
        recipient = move.partner_id if move and move.partner_id.email else partner
        if recipient.email:
            template = self.env.ref("islebooks_payment_links.mail_template_payment_link_renewal")
            template.sudo().send_mail(fresh.id)
        target = move or partner
        responsible = (
            (move.invoice_user_id if move else partner.user_id)
            or link.create_uid
            or self.env.ref("base.user_admin", raise_if_not_found=False)
        )
        target.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Resend the payment link"),
            note=_(
                "The customer opened an expired or revoked payment link and asked for a "
                "fresh one. %(sent)s Resend it by WhatsApp if they prefer.",
                sent=_("It was emailed to %s.", recipient.email)
                if recipient.email
                else _("No email is on file, so nothing was sent."),
            ),
            user_id=responsible.id,
        )
        return fresh

    def _is_renewable(self):
        """An expired link may ask for a fresh one; a link staff revoked may not.

        ``_get_or_create`` retires an expired link by setting ``revoked_at``
        without ``revoked_by_id``: that one still counts as expired.
        """
        self.ensure_one()
        if self.revoked_by_id or not self.expires_at:
            return False
        return self.expires_at <= (self.revoked_at or fields.Datetime.now())

    # ------------------------------------------------------------------
    # Revoke and regenerate
    # ------------------------------------------------------------------

    def action_regenerate(self):
        """Rotate from the backend; opens the new link when there is one (or, from the
        Generate Payment Link dialog, the dialog listing it)."""
        check_staff_access(self.env)
        wizard = self.env["islebooks.payment.link.wizard"]._from_context(self)
        new_links = self._regenerate()
        if wizard:
            wizard._replace_links(self, new_links)
            return wizard._action_open()
        if len(new_links) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": new_links.id,
                "view_mode": "form",
                "target": "current",
            }
        return True

    def action_revoke(self):
        check_staff_access(self.env)
        wizard = self.env["islebooks.payment.link.wizard"]._from_context(self)
        self._revoke()
        return wizard._action_open() if wizard else True

    @api.model
    def _revoke_for_partners(self, partners):
        """Revoke every live link opening the documents of ``partners``."""
        links = self.sudo().search([("partner_id", "in", partners.ids), ("revoked_at", "=", False)])
        links._revoke()
        return links

    def _revoke(self, invoice_note=None):
        """Revoke the live links of ``self``, with a note in the chatter of what they opened."""
        live = self.filtered(lambda link: not link.revoked_at)
        live.sudo().write({"revoked_at": fields.Datetime.now(), "revoked_by_id": self.env.uid})
        for link in live.filtered("move_id"):
            link.move_id.message_post(
                body=invoice_note or _("Payment link revoked: it no longer opens the invoice."),
                subtype_xmlid="mail.mt_note",
            )
        for link in live.filtered(lambda link: link.scope == "portal"):
            link.partner_id.message_post(
                body=_("Portal payment link revoked: it no longer opens the customer's invoices."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _regenerate(self):
        """Replace each link by a new one and return them: the old URL stops opening
        at once; a future expiry carries over."""
        kept_expiry = {
            (link.scope, link.move_id.id or link.partner_id.id, link.company_id.id): link.expires_at
            for link in self
            if link.expires_at and link.expires_at > fields.Datetime.now()
        }
        self._revoke()
        new_links = self.browse()
        groups = self.grouped(lambda link: (link.scope, link.company_id))
        for (scope, company), links in groups.items():
            if scope == "invoice":
                fresh = self.with_company(company)._get_or_create("invoice", links.move_id)
                for move in links.move_id:
                    move.message_post(
                        body=_("Payment link regenerated: only the new link opens the invoice."),
                        subtype_xmlid="mail.mt_note",
                    )
            else:
                fresh = self.with_company(company)._get_or_create("portal", links.partner_id)
            for link in fresh.sudo():
                expiry = kept_expiry.get((scope, link.move_id.id or link.partner_id.id, company.id))
                if expiry:
                    link.expires_at = expiry
            new_links |= fresh
        return new_links
