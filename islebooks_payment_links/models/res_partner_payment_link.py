from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.access import check_staff_access
from ..tools.constants import STAFF_GROUP


def _link_related(name):
    """A field of the customer's portal link, read as the user in the current company."""
    return {
        "related": f"payment_link_portal_id.{name}",
        "related_sudo": False,
        "depends_context": ("company",),
    }


class ResPartner(models.Model):
    """The customer's portal link: its fields on the contact, Generate Payment
    Link and opening the link."""

    _inherit = "res.partner"

    # The customer's portal link is a bearer credential to its whole account:
    # only invoicing staff see it, computed without sudo so the links' company
    # rule applies as well.
    payment_link_portal_id = fields.Many2one(
        "islebooks.payment.link",
        string="Portal payment link",
        compute="_compute_payment_link_portal",
        search="_search_payment_link_portal",
        groups=STAFF_GROUP,
        help="The customer's active portal link in the current company.",
    )
    # Read as the user (related_sudo=False), in the current company like the link.
    payment_link_portal_url = fields.Char("Portal link", **_link_related("url"), groups=STAFF_GROUP)
    payment_link_portal_created_at = fields.Datetime(
        "Link created", **_link_related("create_date"), groups=STAFF_GROUP
    )
    payment_link_portal_expires_at = fields.Datetime(
        "Link expires", **_link_related("expires_at"), groups=STAFF_GROUP
    )
    payment_link_portal_first_viewed_at = fields.Datetime(
        "First opened", **_link_related("first_viewed_at"), groups=STAFF_GROUP
    )
    payment_link_portal_last_viewed_at = fields.Datetime(
        "Last opened", **_link_related("last_viewed_at"), groups=STAFF_GROUP
    )
    payment_link_portal_view_count = fields.Integer(
        "Link views", **_link_related("view_count"), groups=STAFF_GROUP
    )
    payment_link_portal_payment_count = fields.Integer(
        "Link payments", **_link_related("payment_count"), groups=STAFF_GROUP
    )

    @api.depends_context("company")
    def _compute_payment_link_portal(self):
        # One search for all the partners shown, whatever their number.
        links = self.env["islebooks.payment.link"].search(
            [
                ("scope", "=", "portal"),
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "active"),
            ]
        )
        by_partner = {link.partner_id.id: link.id for link in links}
        for partner in self:
            partner.payment_link_portal_id = links.browse(
                by_partner.get(partner.commercial_partner_id.id)
            )

    def _search_payment_link_portal(self, operator, value):
        """Contacts whose live portal link (current company) is one of ``value`` (ids)."""
        if operator not in ("in", "="):
            raise UserError(_("Unsupported search on the portal payment link."))
        ids = [value] if isinstance(value, int) else list(value or ())
        links = self.env["islebooks.payment.link"].search(
            [
                ("id", "in", ids),
                ("scope", "=", "portal"),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "active"),
            ]
        )
        return [("commercial_partner_id", "in", links.partner_id.ids)]

    def _get_portal_payment_links(self):
        """The live portal link of each commercial partner, created where missing."""
        return self.env["islebooks.payment.link"]._get_or_create(
            "portal", self.commercial_partner_id
        )

    def action_generate_payment_link(self):
        check_staff_access(self.env)
        self.check_access("read")
        wizard = self.env["islebooks.payment.link.wizard"].create(
            {"partner_ids": [fields.Command.set(self.commercial_partner_id.ids)]}
        )
        return wizard._action_open()

    def action_open_portal_payment_link(self):
        self.ensure_one()
        check_staff_access(self.env)
        return {
            "type": "ir.actions.act_window",
            "name": _("Portal payment link"),
            "res_model": "islebooks.payment.link",
            "view_mode": "form",
            "res_id": self.payment_link_portal_id.id,
        }
