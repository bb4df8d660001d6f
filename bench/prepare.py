# Run inside `odoo shell` by bench/run: portal users, links and access tokens for
# the measured customers, and server-side timings of the staff actions.
import datetime
import json
import os

from bench_common import timed as bench_timed

env = env  # noqa: F821 (provided by odoo shell)
out = {"customers": {}, "actions": []}
# The company is configured by the demo world (islebooks_payment_links/demo/): its
# bank account, Odoo's Demo provider and Wire Transfer, so both our pages and
# Odoo's render their payment form.
portal_group = env.ref("base.group_portal")
Link = env["islebooks.payment.link"]
for ref in ("bench_c10", "bench_c100", "bench_c1000"):
    partner = env["res.partner"].search([("ref", "=", ref)], limit=1)
    user = env["res.users"].with_context(active_test=False).search([("login", "=", ref)])
    if not user:
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": partner.name,
                    "login": ref,
                    "password": ref + "-pw",
                    "partner_id": partner.id,
                    "groups_id": [(6, 0, portal_group.ids)],
                }
            )
        )
    invoice = env["account.move"].search(
        [
            ("partner_id", "=", partner.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "=", "not_paid"),
        ],
        limit=1,
    )
    invoice._portal_ensure_token()
    out["customers"][ref] = {
        "login": ref,
        "password": ref + "-pw",
        "invoice_id": invoice.id,
        "invoice_access_token": invoice.access_token,
        "invoice_token": invoice._get_payment_links().token,
        "portal_token": Link._get_or_create("portal", partner).token,
        "invoice_count": env["account.move"].search_count(
            [("partner_id", "=", partner.id), ("move_type", "in", ("out_invoice", "out_refund"))]
        ),
    }
# Odoo pays several invoices at once only where they are overdue (/my/invoices/overdue,
# the page bench/phone.py compares with our checkout): the 10-invoice customer's open
# invoices fell due a month ago (their due date and their receivable line's, as if so
# invoiced). Once: a kept database is not moved again.
overdue = env["account.move"].search(
    [
        ("partner_id.ref", "=", "bench_c10"),
        ("move_type", "=", "out_invoice"),
        ("payment_state", "=", "not_paid"),
        ("invoice_date_due", ">=", datetime.date.today() - datetime.timedelta(days=7)),
    ]
)
if overdue:
    env.cr.execute(
        "UPDATE account_move_line SET date_maturity = date_maturity - 30"
        " WHERE move_id IN %s AND display_type = 'payment_term'",
        [tuple(overdue.ids)],
    )
    env.cr.execute(
        "UPDATE account_move SET invoice_date_due = invoice_date_due - 30 WHERE id IN %s",
        [tuple(overdue.ids)],
    )
    env.invalidate_all()
env.cr.commit()


def timed(label, count, func):
    bench_timed(env, out, label, count, func)


unlinked = env["account.move"].search(
    [("move_type", "=", "out_invoice"), ("state", "=", "posted"), ("payment_link_ids", "=", False)],
    limit=1000,
)
partners = env["res.partner"].search(
    [("is_company", "=", True), ("customer_rank", ">", 0)], limit=1000
)
for n in (1, 100, 1000):
    timed("Copy Invoice URL (new links)", n, lambda n=n: unlinked[:n].action_copy_payment_link())
    timed(
        "Generate Payment Link (dialog)",
        n,
        lambda n=n: partners[:n].action_generate_payment_link(),
    )

with open(os.environ["BENCH_PREPARED"], "w") as handle:
    json.dump(out, handle, indent=1)
print("prepared", os.environ["BENCH_PREPARED"])
