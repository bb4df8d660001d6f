"""Cost of the payment reminder job (issue #14) on bench/run's database, as an odoo-shell script.

    python3 -m odoo shell -c <rc> -d <bench db> --no-http < bench/reminders.py

Turns the reminders on for the benchmark's company (1,000 customers / 20,000 invoices with
``bench/run``'s defaults), runs the job batch after batch as Odoo's cron would, prints the SQL
queries of each batch and the time per reminder, then rolls everything back: the database is
left as it was.
"""

import time

env = env(context={"tracking_disable": True})  # noqa: F821 (odoo shell)
cr = env.cr
company = env.company
Move = env["account.move"]
open_domain = Move._get_open_domain() + [("company_id", "=", company.id)]
open_invoices = Move.search_count(open_domain)
all_invoices = Move.search_count(
    [("company_id", "=", company.id), ("move_type", "=", "out_invoice")]
)
customers = len(Move.search(open_domain).commercial_partner_id)
# Every customer reachable by email, the reminders on with their default steps.
cr.execute(
    "UPDATE res_partner SET email = 'customer' || id || '@example.com'"
    " WHERE email IS NULL AND id IN (SELECT commercial_partner_id FROM account_move"
    " WHERE company_id = %s)",
    [company.id],
)
env.invalidate_all()
company.write({"payment_reminder_enabled": True, "payment_reminder_min_interval": 1})
env.flush_all()

Reminder = env["islebooks.payment.reminder"]
per_batch, remaining, started = [], None, time.perf_counter()
while remaining != 0 and len(per_batch) < 1000:
    before = cr.sql_log_count
    remaining = Reminder._cron_send_payment_reminders()
    env.flush_all()
    per_batch.append(cr.sql_log_count - before)
elapsed = time.perf_counter() - started
reminders = Reminder.search_count([("company_id", "=", company.id)])
emails = env["mail.mail"].search_count([("model", "=", "islebooks.payment.reminder")])
full = per_batch[:-1] or per_batch
print(
    f"Reminder job on {all_invoices} invoices ({open_invoices} open, {customers} customers to "
    f"remind): {reminders} reminders, {emails} emails queued, in {len(per_batch)} batches; "
    f"SQL queries per batch of 100 customers: min {min(full)}, max {max(full)} "
    f"(last batch {per_batch[-1]}); {elapsed:.1f} s in all, "
    f"{1000 * elapsed / max(reminders, 1):.1f} ms per reminder"
)
cr.rollback()
