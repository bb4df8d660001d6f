"""WhatsApp messages ask what the invoice's page asks (payment terms), not the whole balance."""

from odoo.addons.islebooks_payment_links.tools.mail_templates import rewrite_template_expressions


def migrate(cr, version):
    rewrite_template_expressions(
        cr,
        {
            "islebooks_payment_links.mail_template_whatsapp_invoice": (
                "format_amount(object.amount_residual,",
                "format_amount(object.payment_link_amount_due,",
            ),
            "islebooks_payment_links.mail_template_whatsapp_invoices": (
                "format_amount(invoice.amount_residual,",
                "format_amount(invoice.payment_link_amount_due,",
            ),
        },
    )
