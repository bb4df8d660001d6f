"""A receipt email states what the customer still owes, as its Customer Portal says it.

The template is ``noupdate`` (staff edit it): only the expression the addon shipped is rewritten,
in every language, and any other edit of the text stays as staff left it.
"""

from odoo import SUPERUSER_ID, api

# xml id: (shipped expression, expression of this version)
REWRITES = {
    "islebooks_payment_links.mail_template_payment_receipt": (
        "format_amount(sum(object.reconciled_invoice_ids.mapped('amount_residual')),",
        "format_amount(object.payment_link_customer_balance,",
    ),
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (old, new) in REWRITES.items():
        template = env.ref(xmlid, raise_if_not_found=False)
        if not template:
            continue
        # body_html is translated: one jsonb value holds every language's text.
        cr.execute(
            "UPDATE mail_template SET body_html = replace(body_html::text, %s, %s)::jsonb"
            " WHERE id = %s",
            [old, new, template.id],
        )
        template.invalidate_recordset(["body_html"])
