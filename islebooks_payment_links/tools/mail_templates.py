"""Upgrade steps for the addon's ``noupdate`` mail templates."""

from odoo import SUPERUSER_ID, api


def rewrite_template_expressions(cr, rewrites):
    """Replace an expression the addon shipped in a template's body, in every language.

    ``rewrites``: ``{xml id: (shipped expression, this version's)}``. The templates are
    ``noupdate`` (staff edit them), so an upgrade keeps their body: only the shipped
    expression is rewritten, and any other edit of the text stays as staff left it.
    """
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (old, new) in rewrites.items():
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
