from collections import defaultdict

from odoo import _, api, fields, models
from odoo.fields import Command

from ..tools.access import check_protected_write
from ..tools.whatsapp import format_totals, whatsapp_url


class IslebooksWhatsappSend(models.TransientModel):
    """Send invoices via WhatsApp: one message per customer.

    The text comes from two ``islebooks.whatsapp.template`` records (plain
    text, edited and translated from Settings › Invoicing › Payment links ›
    WhatsApp Messages), rendered in the customer's language. One customer
    opens WhatsApp at once; several customers get this wizard, one "Open
    WhatsApp" line each.
    """

    _name = "islebooks.whatsapp.send"
    _description = "Send invoices via WhatsApp"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    line_ids = fields.One2many("islebooks.whatsapp.send.line", "wizard_id", readonly=True)
    error_count = fields.Integer(compute="_compute_error_count")

    def write(self, vals):
        # Made once by _action_send: its company and lines are not edited.
        check_protected_write(self, vals, ())
        return super().write(vals)

    @api.depends("line_ids.error")
    def _compute_error_count(self):
        for wizard in self:
            wizard.error_count = len(wizard.line_ids.filtered("error"))

    @api.model
    def _action_send(self, moves):
        moves._check_whatsapp_sendable()
        moves._get_payment_links()
        # One message per customer and company: a message never carries the
        # links of another company's documents.
        groups = defaultdict(lambda: moves.browse())
        for move in moves:
            groups[move.commercial_partner_id, move.company_id] |= move
        portal_urls = self._get_portal_urls(moves.commercial_partner_id, moves.company_id)
        # Lines are the addon's to write (their URLs carry the links): made
        # with sudo once the invoices are checked, then used as the user.
        wizard = (
            self.sudo()
            .create(
                {
                    "company_id": moves[:1].company_id.id,
                    "line_ids": [
                        Command.create(
                            self._prepare_line(
                                customer, group, portal_urls.get((customer, company))
                            )
                        )
                        for (customer, company), group in groups.items()
                    ],
                }
            )
            .sudo(False)
        )
        if len(wizard.line_ids) > 1:
            return {
                "type": "ir.actions.act_window",
                "name": _("Send via WhatsApp"),
                "res_model": self._name,
                "res_id": wizard.id,
                "views": [(False, "form")],
                "target": "new",
                "context": {"dialog_size": "extra-large"},
            }
        return wizard.line_ids.action_open_whatsapp()

    @api.model
    def _get_portal_urls(self, customers, companies):
        """Live portal links of these customers in these companies, without creating any:
        ``{(customer, company): url}``."""
        links = (
            self.env["islebooks.payment.link"]
            .sudo()
            .search(
                [
                    ("scope", "=", "portal"),
                    ("partner_id", "in", customers.ids),
                    ("company_id", "in", companies.ids),
                    ("state", "=", "active"),
                ]
            )
        )
        return {(link.partner_id, link.company_id): link.url for link in links}

    @api.model
    def _prepare_line(self, customer, moves, portal_url):
        contact = customer._get_whatsapp_recipient(moves.partner_id)
        number, error = contact._get_whatsapp_e164()
        values = {
            "company_id": moves.company_id.id,
            "partner_id": customer.id,
            "contact_id": contact.id,
            "move_ids": [Command.set(moves.ids)],
            "number": number,
            "error": error,
        }
        if not error:
            message = self._render_message(contact, moves, portal_url)
            web = moves[:1].company_id.whatsapp_link_mode == "web"
            values.update(message=message, url=whatsapp_url(number, message, web=web))
        return values

    @api.model
    def _render_message(self, contact, moves, portal_url=False):
        """The plain-text message for ``moves`` (one customer), in the contact's language."""
        if len(moves) == 1:
            template = self.env.ref("islebooks_payment_links.whatsapp_template_invoice")
            record = moves
            add_context = {"portal_url": portal_url}
        else:
            template = self.env.ref("islebooks_payment_links.whatsapp_template_invoices")
            record = contact
            add_context = {
                "invoices": moves,
                # What each invoice's page asks today (payment terms), per currency.
                "total_due": format_totals(
                    self.env, moves._get_amount_due_totals(), contact.lang or self.env.lang
                ),
                "portal_url": portal_url,
            }
        return template._render_message(record, add_context=add_context)
