from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from odoo.addons.islebooks_payment_links.tools.access import (
    check_protected_write,
    check_staff_access,
)
from odoo.addons.islebooks_payment_links.tools.whatsapp import format_totals


class IslebooksSmsSend(models.TransientModel):
    """Send by SMS: one SMS per customer, checked in this dialog, sent through
    Odoo's SMS module.

    Made by Send by SMS (invoices) and by Generate Payment Link's SMS button
    (the customer's portal link); grouped per customer and company like Send
    via WhatsApp, with the customers who cannot be reached and why. The texts
    are Odoo SMS templates (``sms.template``, edited and translated from
    Settings › Invoicing › Payment links › SMS Messages), rendered in the
    customer's language with what the other channels say: what each invoice
    asks today, what the customer owes.
    """

    _name = "islebooks.sms.send"
    _description = "Send payment links by SMS"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    line_ids = fields.One2many("islebooks.sms.send.line", "wizard_id", readonly=True)
    error_count = fields.Integer(compute="_compute_counts")
    to_send_count = fields.Integer(compute="_compute_counts")

    def write(self, vals):
        # Made once by _open: its company and lines are not edited.
        check_protected_write(self, vals, ())
        return super().write(vals)

    @api.depends("line_ids.error", "line_ids.sent")
    def _compute_counts(self):
        for wizard in self:
            wizard.error_count = len(wizard.line_ids.filtered("error"))
            wizard.to_send_count = len(
                wizard.line_ids.filtered(lambda line: not line.error and not line.sent)
            )

    # ------------------------------------------------------------------
    # Opening the dialog
    # ------------------------------------------------------------------

    @api.model
    def _action_send_invoices(self, moves):
        """The dialog for these invoices: one SMS per customer and company, with the
        invoices still to pay (paid or blocked ones are left out, and a customer
        left with none is skipped, saying why)."""
        moves._check_sms_sendable()
        # What Send via WhatsApp refuses (paid, payment blocked) is left out here.
        payable = moves.filtered(lambda move: move._is_open_invoice())
        payable._get_payment_links()
        groups = defaultdict(lambda: moves.browse())
        for move in moves:
            groups[move.commercial_partner_id, move.company_id] |= move
        portal_urls = self.env["islebooks.whatsapp.send"]._get_portal_urls(
            moves.commercial_partner_id, moves.company_id
        )
        lines = []
        for (customer, company), group in groups.items():
            to_pay = group & payable
            if not to_pay:
                lines.append(self._prepare_unpayable_line(customer, group))
                continue
            lines.append(
                self._prepare_invoices_line(customer, to_pay, portal_urls.get((customer, company)))
            )
        return self._open(moves[:1].company_id, lines)

    @api.model
    def _action_send_portal(self, link):
        """The dialog for a customer's portal link (Generate Payment Link)."""
        contact = link.partner_id._get_sms_recipient()
        totals = {row["currency"]: row["amount"] for row in link._get_portal_totals()}
        values = self._prepare_line(link.company_id, link.partner_id, contact)
        if not values["error"]:
            values["message"] = self._render(
                "sms_template_portal",
                contact,
                {
                    "portal_url": link.url,
                    "total_due": format_totals(self.env, totals, contact.lang or self.env.lang),
                    "company_name": link.company_id.name,
                },
            )
        return self._open(link.company_id, [values])

    @api.model
    def _open(self, company, lines):
        # Lines carry the links: made with sudo once the documents are checked,
        # then used as the user.
        wizard = (
            self.sudo()
            .create(
                {
                    "company_id": company.id,
                    "line_ids": [Command.create(values) for values in lines],
                }
            )
            .sudo(False)
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Send by SMS"),
            "res_model": self._name,
            "res_id": wizard.id,
            "views": [(False, "form")],
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    @api.model
    def _prepare_line(self, company, customer, contact, moves=None):
        number, error = contact._get_sms_number()
        return {
            "company_id": company.id,
            "partner_id": customer.id,
            "contact_id": contact.id,
            "move_ids": [Command.set(moves.ids if moves else [])],
            "number": number,
            "error": error or False,
        }

    @api.model
    def _prepare_invoices_line(self, customer, moves, portal_url):
        contact = customer._get_sms_recipient(moves.partner_id)
        values = self._prepare_line(moves.company_id, customer, contact, moves)
        if values["error"]:
            return values
        if len(moves) == 1:
            message = self._render("sms_template_invoice", moves, {"portal_url": portal_url})
        else:
            message = self._render(
                "sms_template_invoices",
                contact,
                {
                    "invoices": moves,
                    # What each invoice asks today, per currency: Send via WhatsApp's total.
                    "total_due": format_totals(
                        self.env, moves._get_amount_due_totals(), contact.lang or self.env.lang
                    ),
                    "portal_url": portal_url,
                },
            )
        values["message"] = message
        return values

    @api.model
    def _prepare_unpayable_line(self, customer, moves):
        contact = customer._get_sms_recipient(moves.partner_id)
        values = self._prepare_line(moves.company_id, customer, contact, moves)
        values["error"] = _(
            "Nothing to pay: %(invoices)s is paid or cannot be paid online.",
            invoices=", ".join(moves.mapped("name")),
        )
        return values

    @api.model
    def _render(self, xmlid, record, add_context):
        """The text of SMS template ``xmlid`` for ``record``, in the customer's language."""
        template = self.env.ref(f"islebooks_payment_links_sms.{xmlid}")
        return template._render_field(
            "body", record.ids, compute_lang=True, add_context=add_context
        )[record.id]

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def action_send(self):
        """Send the SMS of every line that can go, through Odoo's SMS module
        (provider, credits and errors are Odoo's), and note them in the chatter."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only invoicing users can send payment links by SMS."))
        check_staff_access(self.env)
        self.check_access("write")
        lines = self.line_ids.filtered(lambda line: not line.error and not line.sent)
        if not lines:
            raise UserError(_("No SMS to send: every customer was sent one or cannot be reached."))
        lines._send()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(count)s SMS sent. Delivery problems (credits, numbers) show in the "
                    "chatter, as for every SMS.",
                    count=len(lines),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
