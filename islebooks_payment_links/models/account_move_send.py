from markupsafe import Markup

from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_mail_body(self, move, mail_template, mail_lang):
        """Add the invoice's short payment link to the body of Send by Email.

        The body stays editable in the send wizard, and batch sending goes
        through here as well, so every invoice email carries its link.
        """
        body = super()._get_default_mail_body(move, mail_template, mail_lang)
        url = move._get_payment_link_for_mail()
        if not url:
            return body
        block = (
            self.env["ir.qweb"]
            .with_context(lang=mail_lang)
            ._render(
                "islebooks_payment_links.mail_payment_link_block",
                {"move": move, "url": url},
            )
        )
        return (body or Markup()) + Markup(block)
