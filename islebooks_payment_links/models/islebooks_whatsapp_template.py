from odoo import api, fields, models


class IslebooksWhatsappTemplate(models.Model):
    """The plain text of a WhatsApp message, built like Odoo's ``sms.template``.

    ``body`` is an inline template (``{{ object.name }}``): rendered by Odoo's
    ``mail.render.mixin`` in the customer's language (``lang``), it is the
    message as sent, blank lines and WhatsApp's ``*bold*`` included.
    Templates are shared by all companies, like mail templates; the records
    they are rendered on are those the caller already checked.
    """

    _name = "islebooks.whatsapp.template"
    _inherit = ["mail.render.mixin"]
    _description = "WhatsApp message template"
    _order = "name, id"
    # Billing users render the shipped texts; editing stays with Settings users.
    _unrestricted_rendering = True

    name = fields.Char(required=True, translate=True)
    model_id = fields.Many2one(
        "ir.model",
        string="Applies to",
        required=True,
        ondelete="cascade",
        domain=[("transient", "=", False)],
        help="The type of record the message is rendered on (object).",
    )
    model = fields.Char("Related Document Model", related="model_id.model", store=True, index=True)
    body = fields.Text(
        required=True,
        translate=True,
        render_engine="inline_template",
        help="The message as it is sent. {{ expression }} is replaced by its value; "
        "*text* is bold in WhatsApp.",
    )
    description = fields.Text(translate=True, help="What the message is for and its placeholders.")

    @api.depends("model")
    def _compute_render_model(self):
        for template in self:
            template.render_model = template.model

    def _render_message(self, record, add_context=None):
        """The text of this template for ``record``, in the customer's language."""
        self.ensure_one()
        return self._render_field("body", record.ids, compute_lang=True, add_context=add_context)[
            record.id
        ]
