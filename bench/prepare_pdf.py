# Run inside `odoo shell` by bench/run once the benchmark's server is up
# (wkhtmltopdf fetches the report's styles from it): first PDF downloads to
# measure, and the staff action with and without the background preparation.
#
# Debian's wkhtmltopdf is built against an unpatched Qt, which prints one HTML
# document per call only (`wkhtmltopdf -H`, "Reduced Functionality": "Printing
# more than one HTML document into a PDF file"); a batch of invoices, one body
# each, fails with "Exit with code 1, due to unknown error", and the cron then
# renders that batch one invoice at a time. The cron runs here as it does in
# production, with its own batch size.
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
# Only the measured invoice stays queued: the measured customers' Customer Portal
# links (prepare.py) queued their hundreds of open invoices too, which the cron
# would otherwise render here one by one for many minutes.
env.cr.execute("DELETE FROM islebooks_payment_link_pdf WHERE move_id != %s", [prepared_pdf.id])
env.invalidate_all()
env.cr.commit()
# What the cron does once the links are handed out.
env["account.move"]._cron_prepare_legal_pdfs()
env.cr.commit()
prepared_pdf.invalidate_recordset()
if not prepared_pdf.invoice_pdf_report_id:
    # The cron logs why (wkhtmltopdf missing, or failing on this machine).
    print("the legal PDF could not be prepared here (see the log above): PDF rows skipped")
    out["pdf"] = None
else:
    out["pdf"] = {
        "prepared": f"/pay/{links[0].token}/pdf",
        "unprepared": f"/pay/{links[1].token}/pdf",
        "odoo": f"/my/invoices/{odoo_pdf.id}?report_type=pdf&download=true"
        f"&access_token={odoo_pdf.access_token}",
    }
# Staff action with and without the background preparation: handing out the
# links only queues the PDFs; rendering them in the action (what it would
# cost without the cron) is measured on fresh invoices of the same customer.
# The quick check renders one invoice in the action, not ten (15 s of wkhtmltopdf).
sizes = (1,) if os.environ.get("BENCH_QUICK") else (1, 10)
for n in sizes if out["pdf"] else ():
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
