# Run inside `odoo shell` by bench/soak on the soak's own copy of the benchmark
# database, before its server starts: the settings of a production server on
# loopback, an invoicing user for the staff client, and the links each kind of
# client uses. Every customer (commercial partner) belongs to one client only,
# so an invoice is only ever paid by the client that owns it: a refused payment
# of one is a refusal of an idle invoice, never two customers racing.
import json
import os
import random

env = env  # noqa: F821 (provided by odoo shell)
url = os.environ["BENCH_URL"]
company = env.ref("base.main_company")
Link = env["islebooks.payment.link"]
Move = env["account.move"]
rng = random.Random(27)

# The links the pages hand out point at this server; wkhtmltopdf reads the
# report's styles from it (the legal PDFs the staff's links queue).
params = env["ir.config_parameter"]
params.set_param("web.base.url", url)
params.set_param("web.base.url.freeze", "True")
params.set_param("report.url", url)

# Staff: an invoicing user (Billing), signing in over JSON-RPC like the web client.
staff_login = "soak_staff"
staff = env["res.users"].with_context(active_test=False).search([("login", "=", staff_login)])
if not staff:
    staff = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Soak Staff",
                "login": staff_login,
                "email": "soak-staff@example.com",  # the author of the emails it sends
                "password": staff_login + "-pw",
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            env.ref("base.group_user").id,
                            env.ref("account.group_account_invoice").id,
                        ],
                    )
                ],
            }
        )
    )

# The reminder job works for real (steps -3, 0, 7, 21 days from the due date:
# the benchmark's invoices are due today), triggered by bench/soak.py.
company.write(
    {
        "payment_reminder_enabled": True,
        "payment_confirmation_enabled": True,
        # The receipt email of each payment (on by default, as in production);
        # SOAK_RECEIPT_EMAILS=0 turns it off to look past what it costs.
        "payment_link_receipt_email": os.environ.get("SOAK_RECEIPT_EMAILS", "1") != "0",
    }
)
crons = {
    # Done payments the customer's browser did not post-process (closed tab):
    # Odoo's own job, every minute instead of ten.
    "payment.cron_post_process_payment_tx": {
        "active": True,
        "interval_number": 1,
        "interval_type": "minutes",
    },
    # Run when bench/soak.py triggers it (ir.cron._trigger), not on its daily call.
    "islebooks_payment_links.ir_cron_payment_reminders": {"active": True},
    # No mail server on loopback: emails stay queued and are counted instead.
    "mail.ir_cron_mail_scheduler_action": {"active": False},
}
for xmlid, values in crons.items():
    env.ref(xmlid).write(values)
env.ref("islebooks_payment_links.ir_cron_payment_reminders").nextcall = "2099-01-01 00:00:00"
# Odoo's other jobs (daily upkeep) as if they had just run: a copy of a database
# built days ago would otherwise start with all of them due, a minute or two of
# backlog in the one cron worker before the addon's jobs get their turn.
soak_crons = [env.ref(xmlid).id for xmlid in crons] + [
    env.ref("islebooks_payment_links.ir_cron_prepare_legal_pdfs").id
]
env.cr.execute(
    "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' + interval '1 day'"
    " WHERE id != ALL(%s) AND nextcall < now() at time zone 'UTC' + interval '1 day'",
    [soak_crons],
)

# The payment method line of each enabled provider, made once here: Odoo makes it
# when it first computes the provider's journal, and several workers paying at
# that moment would each make one (see the demo data of the Demo provider).
for provider in env["payment.provider"].search([("state", "in", ("enabled", "test"))]):
    provider.journal_id  # noqa: B018 (the compute makes the line)
env.flush_all()

open_domain = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", "posted"),
    ("payment_state", "=", "not_paid"),
    ("company_id", "=", company.id),
]
# The benchmark's customers only: the demo world's own (Odoo's demo companies)
# have open credit that covers their invoices, which the portal rightly refuses
# to charge again ("Your credit ... covers these invoices").
partners = (
    Move.search(open_domain)
    .commercial_partner_id.filtered(lambda p: p.name.startswith("Bench customer"))
    .sorted("id")
)
named = {p.ref: p for p in partners if p.ref}
others = partners.filtered(lambda p: not p.ref)
portal_partners = named["bench_c10"] | named["bench_c100"] | others[:10]
confirm_partners = others[10:40]
payer_partners = partners - portal_partners - confirm_partners


def invoice_links(partner_set, limit):
    moves = Move.search(
        open_domain + [("commercial_partner_id", "in", partner_set.ids)], order="id", limit=limit
    )
    links = moves._get_payment_links()
    return [
        {"token": link.token, "invoice_id": move.id, "partner_id": move.commercial_partner_id.id}
        for move, link in zip(moves, links, strict=True)
    ]


plan = {
    "url": url,
    "db": env.cr.dbname,
    "staff": {"login": staff_login, "password": staff_login + "-pw"},
    "company_id": company.id,
    "product_id": env.ref("islebooks_payment_links.product_laundry_service_demo").id,
    # New invoices of the staff client go to the payers' customers.
    "payer_partner_ids": payer_partners.ids,
    "payer_links": invoice_links(payer_partners, 1500),
    "confirm_links": invoice_links(confirm_partners, 300),
    "portal_links": [
        {"token": Link._get_or_create("portal", partner).token, "partner_id": partner.id}
        for partner in portal_partners
    ],
    "reminder_cron_id": env.ref("islebooks_payment_links.ir_cron_payment_reminders").id,
}
rng.shuffle(plan["payer_links"])
# Handing these links out queued their legal PDFs: only the staff client's new
# invoices are prepared during the soak (as after a day of Copy Invoice URL);
# the others render on their first download.
env.cr.execute("DELETE FROM islebooks_payment_link_pdf")
env.cr.commit()
with open(os.environ["SOAK_PLAN"], "w") as handle:
    json.dump(plan, handle)
print(
    f"soak plan: {len(plan['payer_links'])} invoice links to pay, "
    f"{len(plan['confirm_links'])} to confirm by transfer, {len(plan['portal_links'])} portals"
)
