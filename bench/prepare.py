# Run inside `odoo shell` by bench/run: portal users, links and access tokens for
# the measured customers, and server-side timings of the staff actions.
import json
import os
import time

env = env  # noqa: F821 (provided by odoo shell)
out = {"customers": {}, "actions": []}
# Configured like a real business (the addon asks for it): a payment provider
# and a bank account, so both our pages and Odoo's render their payment form.
provider = env.ref("payment.payment_provider_demo")
if provider.state == "disabled":
    provider.write({"state": "test", "is_published": True})
company = env.company
if not env["res.partner.bank"].search_count([("partner_id", "=", company.partner_id.id)]):
    env["res.partner.bank"].create(
        {"acc_number": "BENCH-0001", "partner_id": company.partner_id.id}
    )
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
env.cr.commit()


def timed(label, count, func):
    env.invalidate_all()
    env.cr.execute("SAVEPOINT bench_action")
    queries_before = env.cr.sql_log_count
    started = time.perf_counter()
    func()
    elapsed = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries_before
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_action")
    env.invalidate_all()
    out["actions"].append({"label": label, "n": count, "seconds": elapsed, "queries": queries})


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
        "Customer Portal Link (dialog)",
        n,
        lambda n=n: partners[:n].action_generate_payment_link(),
    )


def without_legal_pdf(partner, limit):
    """Open invoices of ``partner`` whose legal PDF was never rendered."""
    env.cr.execute(
        """
        SELECT m.id FROM account_move m
         WHERE m.commercial_partner_id = %s AND m.move_type = 'out_invoice'
           AND m.state = 'posted' AND m.payment_state = 'not_paid'
           AND NOT EXISTS (SELECT 1 FROM ir_attachment a
                            WHERE a.res_model = 'account.move' AND a.res_id = m.id
                              AND a.res_field = 'invoice_pdf_report_file')
         ORDER BY m.id LIMIT %s
        """,
        [partner.id, limit],
    )
    return env["account.move"].browse(row[0] for row in env.cr.fetchall())


# First downloads of a legal PDF: one invoice whose link was handed out and
# whose PDF the cron then prepared (what a customer meets), one whose PDF was
# never prepared (rendered in the customer's request, as before), and one for
# Odoo's own portal download (a pro-forma rendered on every request).
fresh = without_legal_pdf(env["res.partner"].search([("ref", "=", "bench_c100")], limit=1), 23)
prepared_pdf, unprepared_pdf, odoo_pdf = fresh[0], fresh[1], fresh[2]
for move in (prepared_pdf, unprepared_pdf, odoo_pdf):
    move._portal_ensure_token()
links = (prepared_pdf | unprepared_pdf)._get_payment_links()
unprepared_pdf.write({"payment_link_pdf_pending": False})
env["account.move"]._cron_prepare_legal_pdfs()
out["pdf"] = {
    "prepared": f"/pay/{links[0].token}/pdf",
    "unprepared": f"/pay/{links[1].token}/pdf",
    "odoo": f"/my/invoices/{odoo_pdf.id}?report_type=pdf&access_token={odoo_pdf.access_token}",
}
env.cr.commit()
# Staff action with and without the background preparation: handing out the
# links only queues the PDFs; rendering them in the action (what it would
# cost without the cron) is measured on fresh invoices of the same customer.
for n in (1, 10):
    moves = fresh[3 : 3 + n]
    timed("Copy Invoice URL, PDFs queued (background)", n, moves.action_copy_payment_link)
    timed(
        "Copy Invoice URL, PDFs rendered in the action",
        n,
        lambda moves=moves: (
            moves.action_copy_payment_link(),
            env["account.move"]._cron_prepare_legal_pdfs(),
        ),
    )
with open(os.environ["BENCH_PREPARED"], "w") as handle:
    json.dump(out, handle, indent=1)
print("prepared", os.environ["BENCH_PREPARED"])
