from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Command

from ..tools.access import check_protected_write, check_staff_access
from ..tools.constants import WIZARD_CONTEXT_KEY


class IslebooksPaymentLinkWizard(models.TransientModel):
    """Generate Payment Link (contacts): the customers' own portal links, with their actions.

    The links are got or created in one batch and listed through a Many2many:
    the ORM writes all its pairs in one INSERT, whatever the number of customers.
    Their buttons (QR code, WhatsApp, email, regenerate, revoke) are the link's.
    """

    _name = "islebooks.payment.link.wizard"
    _description = "Generate Payment Link (customer portal)"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    partner_ids = fields.Many2many("res.partner", string="Customers", readonly=True)
    link_ids = fields.Many2many(
        "islebooks.payment.link",
        "islebooks_payment_link_wizard_link_rel",
        "wizard_id",
        "link_id",
        string="Links",
        check_company=True,
    )
    link_count = fields.Integer(compute="_compute_link_count")

    @api.depends("link_ids")
    def _compute_link_count(self):
        for wizard in self:
            wizard.link_count = len(wizard.link_ids)

    @api.model_create_multi
    def create(self, vals_list):
        check_staff_access(self.env)
        wizards = super().create(vals_list)
        for wizard in wizards:
            # Links are got or created in one batch for all the customers, as the
            # user; the wizard lists them (its own field, written by the addon).
            links = wizard.partner_ids.commercial_partner_id._get_portal_payment_links()
            wizard.sudo().link_ids = links
        return wizards

    def write(self, vals):
        # The customers, company and links are those the wizard was opened for: the
        # dialog only edits the listed links in place (their expiry, checked by the
        # link itself).
        if not self.env.su and "link_ids" in vals:
            listed = set(self.link_ids.ids)
            for command in vals["link_ids"]:
                if command[0] not in (Command.UPDATE, Command.LINK) or command[1] not in listed:
                    raise AccessError(
                        _("This dialog lists only the portal links it was opened for.")
                    )
        check_protected_write(self, vals, {"link_ids"})
        return super().write(vals)

    @api.model
    def _from_context(self, links):
        """The wizard whose list runs an action on ``links``, if any (the user's own)."""
        wizard = self.browse(self.env.context.get(WIZARD_CONTEXT_KEY)).exists()
        if not wizard:
            return wizard
        wizard.check_access("read")
        if links - wizard.link_ids:
            raise AccessError(_("These links are not listed in this dialog."))
        return wizard

    def _replace_links(self, old, new):
        self.ensure_one()
        self.sudo().link_ids = [Command.unlink(link.id) for link in old] + [
            Command.link(link.id) for link in new
        ]

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Generate Payment Link"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            # Wide enough for the link, its QR code and every button at 1280 px.
            "context": {**self.env.context, "dialog_size": "extra-large"},
        }
