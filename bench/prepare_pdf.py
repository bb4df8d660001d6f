# Run inside `odoo shell` by bench/run once the benchmark's server is up
# (wkhtmltopdf fetches the report's styles from it): first PDF downloads to
# measure, and the staff action with and without the background preparation.
import json
import os

from bench_common import timed as bench_timed

env = env  # noqa: F821 (provided by odoo shell)
# wkhtmltopdf reads the report's assets from the benchmark's own server.
env["ir.config_parameter"].set_param("report.url", os.environ["BENCH_URL"])
with open(os.environ["BENCH_PREPARED"]) as handle:
    out = json.load(handle)


def timed(label, count, func):
    bench_timed(env, out, label, count, func)


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
env.cr.commit()
try:
    env["account.move"]._cron_prepare_legal_pdfs()
except Exception as error:  # noqa: BLE001 (reported, the rest of the benchmark runs)
    # wkhtmltopdf may fail on a machine without the fonts or network it needs.
    env.cr.rollback()
    print(f"legal PDFs could not be rendered here, PDF rows skipped: {error!r}")
    out["pdf"] = None
else:
    out["pdf"] = {
        "prepared": f"/pay/{links[0].token}/pdf",
        "unprepared": f"/pay/{links[1].token}/pdf",
        "odoo": f"/my/invoices/{odoo_pdf.id}?report_type=pdf&access_token={odoo_pdf.access_token}",
    }
env.cr.commit()
# Staff action with and without the background preparation: handing out the
# links only queues the PDFs; rendering them in the action (what it would
# cost without the cron) is measured on fresh invoices of the same customer.
for n in (1, 10) if out["pdf"] else ():
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
print("PDFs prepared", os.environ["BENCH_PREPARED"])
