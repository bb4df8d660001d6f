"""A receipt email states what the customer still owes, as its Customer Portal says it."""

from odoo.addons.islebooks_payment_links.tools.mail_templates import rewrite_template_expressions


def migrate(cr, version):
    rewrite_template_expressions(
        cr,
        {
            "islebooks_payment_links.mail_template_payment_receipt": (
                "format_amount(sum(object.reconciled_invoice_ids.mapped('amount_residual')),",
                "format_amount(object.payment_link_customer_balance,",
            ),
        },
    )
