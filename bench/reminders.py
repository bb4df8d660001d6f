"""Cost of the payment reminder job (issue #14), as an odoo-shell script.

    python3 -m odoo shell -c <rc> -d <db> --no-http < bench/reminders.py

Env: CUSTOMERS (1000), INVOICES (20000). Builds that many posted invoices in a
fresh company (spread over the customers, due dates over 60 days), runs one
batch of the job (``_cron_send_payment_reminders``), prints its SQL queries and
time per reminder planned/sent, then rolls everything back.
"""

import os
import time
from datetime import timedelta

from odoo import Command, fields

customers_n = int(os.environ.get("CUSTOMERS", "1000"))
invoices_n = int(os.environ.get("INVOICES", "20000"))
env = env(context={"tracking_disable": True})  # noqa: F821 (odoo shell)
company = env["res.company"].create({"name": "Reminders bench"})
env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
env["res.partner.bank"].create({"acc_number": "BENCH-1", "partner_id": company.partner_id.id})
company.write({"payment_reminder_enabled": True, "payment_reminder_min_interval": 1})
env = env(context=dict(env.context, allowed_company_ids=[company.id]))
partners = env["res.partner"].create(
    [{"name": f"Bench customer {i}", "email": f"c{i}@example.com"} for i in range(customers_n)]
)
today = fields.Date.today()
journal = env["account.journal"].search(
    [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
)
moves = env["account.move"].create(
    [
        {
            "move_type": "out_invoice",
            "partner_id": partners[i % customers_n].id,
            "journal_id": journal.id,
            "invoice_date": today - timedelta(days=i % 60),
            "invoice_date_due": today - timedelta(days=i % 60),
            "invoice_line_ids": [
                Command.create({"name": "Bench", "price_unit": 100, "tax_ids": []})
            ],
        }
        for i in range(invoices_n)
    ]
)
moves.action_post()
env.flush_all()
env.invalidate_all()
Reminder = env["islebooks.payment.reminder"]
cr = env.cr
remaining, batches, queries, started = None, 0, 0, time.perf_counter()
while remaining != 0 and batches < 1000:
    before = cr.sql_log_count
    remaining = Reminder._cron_send_payment_reminders()
    env.flush_all()
    queries += cr.sql_log_count - before
    batches += 1
elapsed = time.perf_counter() - started
reminders = Reminder.search_count([("company_id", "=", company.id)])
print(
    f"{customers_n} customers / {invoices_n} invoices: {reminders} reminders in {batches} "
    f"batches, {queries} queries ({queries / max(reminders, 1):.1f} per reminder), "
    f"{elapsed:.1f} s ({1000 * elapsed / max(reminders, 1):.1f} ms per reminder)"
)
cr.rollback()
