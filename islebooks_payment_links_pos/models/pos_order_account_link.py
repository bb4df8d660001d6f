from odoo import _, api, fields, models
from odoo.exceptions import AccessError, RedirectWarning

from odoo.addons.islebooks_payment_links.tools.qr import qr_png_base64

# The states of an order the till has finished: paid, posted with the session, invoiced.
FINISHED_STATES = ("paid", "done", "invoiced")


class PosOrder(models.Model):
    """The customer's account link on the receipt of a sale charged to their account.

    The link is a bearer credential to the customer's whole account: a cashier
    (a Point of Sale user without invoicing rights) gets it only through the sale
    they are serving, never from the contact. ``_get_account_link_orders`` is that
    grant, checked on the server; the receipt's fields and the till's WhatsApp
    send read nothing else.
    """

    _inherit = "pos.order"

    # Computed for the current user: they come back with the order the till syncs
    # (sync_from_ui reads the order's fields), so a receipt printed while the server
    # is unreachable simply has no link (never one computed on the till).
    islebooks_account_link_url = fields.Char(
        "Account payment link",
        compute="_compute_islebooks_account_link",
        help="The customer's portal link, on the receipt of a sale charged to their account.",
    )
    islebooks_account_link_qr = fields.Char(
        "Account payment link QR code",
        compute="_compute_islebooks_account_link",
        help="The portal link's QR code (a PNG data URI) printed on the receipt.",
    )

    def _get_account_link_orders(self):
        """The orders of ``self`` whose receipt may carry the customer's portal link
        for the current user: finished sales with a customer, charged (in part) to
        the customer's account, of a session still open that the user works in."""
        user = self.env.user
        return self.filtered(
            lambda order: (
                order.partner_id
                and order.state in FINISHED_STATES
                and order.session_id.state != "closed"
                and user in (order.user_id | order.session_id.user_id)
                and any(
                    payment.payment_method_id.type == "pay_later" for payment in order.payment_ids
                )
            )
        )

    def _get_account_links(self):
        """``{order: the customer's live portal link}`` of the granted orders, in the
        order's company, created where missing (one batch per company)."""
        links = {}
        for company, orders in self._get_account_link_orders().grouped("company_id").items():
            customers = orders.partner_id.commercial_partner_id.with_company(company)
            # Checked above: the link is read and created with sudo.
            issued = customers.sudo()._get_portal_payment_links()
            by_customer = {link.partner_id: link for link in issued}
            for order in orders:
                links[order] = by_customer[order.partner_id.commercial_partner_id]
        return links

    @api.depends(
        "state", "partner_id", "session_id.state", "payment_ids.payment_method_id", "user_id"
    )
    @api.depends_context("uid")
    def _compute_islebooks_account_link(self):
        links = self._get_account_links()
        for order in self:
            link = links.get(order)
            url = link._get_url(absolute=True) if link else False
            order.islebooks_account_link_url = url
            order.islebooks_account_link_qr = url and "data:image/png;base64," + qr_png_base64(
                url, box_size=6
            )

    def islebooks_send_whatsapp(self):
        """Send via WhatsApp from the receipt screen: the backend's portal-link
        message to the customer's saved number, logged on the customer.

        Returns ``{"url": <wa.me link>}`` to open, or ``{"error": <why>}`` (no or
        invalid number) for the till to show.
        """
        self.ensure_one()
        link = self._get_account_links().get(self)
        if not link:
            raise AccessError(
                _(
                    "Only the receipt of a sale charged to the customer's account, in your "
                    "open session, can be sent via WhatsApp."
                )
            )
        try:
            action = link.sudo().action_send_whatsapp()
        except RedirectWarning as error:
            return {"error": error.args[0]}
        return {"url": action["url"]}
