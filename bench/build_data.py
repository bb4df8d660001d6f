# Run inside `odoo shell` by bench/run: fills the benchmark database in batches,
# on top of the addon's demo world (islebooks_payment_links/demo/: the company's
# settings, its bank account and payment providers, the product invoiced), so the
# benchmark measures the product as .ci/serve shows it. Sizes come from the
# environment; the database is reused when already filled.
#
# Fast because everything is done per chunk of CHUNK invoices through Odoo's own
# batch methods: one `create` of the chunk's invoices, one `action_post` of them,
# one journal entry that pays the chunk's paid invoices and one reconciliation
# plan matching each invoice with its line of that entry (Odoo's payment wizard
# would make one payment, one move and one reconciliation per invoice: most of
# the 40 minutes the first version took). No chatter: the benchmark never reads
# it, so creation messages and field tracking are disabled.
#
# The measured customers' invoices (and ORM_OTHERS more) are made that way; the
# rest only gives the tables their size (PostgreSQL's plans, the indexes): they
# are copies, made in one INSERT ... SELECT, of those open invoices and their
# lines, each for another customer with its own number (see `fill`), among them
# the 1,500 invoices of a heavy customer nobody measures.
#
# The database side: commits do not wait for the disk (synchronous_commit off,
# for this connection only: a crash mid-build only means building again, which
# bench/run does for a database not marked complete), and the statistics are
# refreshed (ANALYZE) only when the tables have doubled since the last time.
# Each stage's wall time and Python CPU time are printed at the end: their
# difference is time spent waiting (for PostgreSQL, or for the CPU on a busy machine).
import os
import random
import time
from contextlib import contextmanager

env = env  # noqa: F821 (provided by odoo shell)
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 1000))
INVOICES = int(os.environ.get("BENCH_INVOICES", 20000))
CHUNK = 1000
ORM_OTHERS = int(os.environ.get("BENCH_ORM_OTHERS", 500))
PAID_SHARE = 0.35  # about a third paid: the portal has a real paid history
REFUND_SHARE = 0.03  # a few open invoices refunded in full
# Customers the benchmark measures: exact invoice counts, made through the ORM.
PROFILES = {"bench_c10": 10, "bench_c100": 100, "bench_c1000": 1000}
# A heavy customer nobody measures (it weighs on the tables): copies of open invoices.
HEAVY = {"bench_c1500": 1500}
if os.environ.get("BENCH_QUICK"):
    HEAVY = {}
    ORM_OTHERS = min(ORM_OTHERS, 200)

env = env(
    context=dict(
        env.context,
        tracking_disable=True,
        mail_create_nolog=True,
        mail_notrack=True,
        mail_auto_subscribe_no_notify=True,
    )
)
rng = random.Random(42)
Partner = env["res.partner"]
Move = env["account.move"]


def pay(invoices, journal, date):
    """Pay ``invoices`` in full with one journal entry and one reconciliation plan."""
    receivables = invoices.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable"
    )
    entry = Move.create(
        {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": date,
            "ref": "Bench payments",
            "line_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"Payment of {line.move_id.name}",
                        "account_id": line.account_id.id,
                        "partner_id": line.partner_id.id,
                        "credit": line.balance,
                    },
                )
                for line in receivables
            ]
            + [
                (
                    0,
                    0,
                    {
                        "name": "Bench payments",
                        "account_id": journal.default_account_id.id,
                        "debit": sum(receivables.mapped("balance")),
                    },
                )
            ],
        }
    )
    entry.action_post()
    counterparts = entry.line_ids.filtered(lambda line: line.account_id.reconcile)
    by_name = {line.name: line for line in counterparts}
    env["account.move.line"]._reconcile_plan(
        [line + by_name[f"Payment of {line.move_id.name}"] for line in receivables]
    )


def refund(invoices, date):
    """A posted credit note for each of ``invoices``, reconciled with it (Odoo's reversal)."""
    refunds = invoices._reverse_moves(
        [
            {"ref": f"Refund of {move.name}", "invoice_date": date, "date": date}
            for move in invoices
        ],
        cancel=True,
    )
    return refunds


def invoice_vals(partner, name, date):
    """A complete draft invoice: product lines, tax lines and receivable line."""
    lines = []
    taxes = {}
    total = 0.0
    for _line in range(rng.randint(1, 3)):
        quantity = rng.randint(1, 5)
        price = rng.choice([35.0, 120.0, 499.0])
        computed = tax.compute_all(price, currency, quantity, product, partner)
        lines.append(
            {
                "display_type": "product",
                "product_id": product.id,
                "name": product.name,
                "quantity": quantity,
                "price_unit": price,
                "tax_ids": [(6, 0, tax.ids)],
                "account_id": income.id,
                "analytic_distribution": False,
                "balance": -computed["total_excluded"],
                "amount_currency": -computed["total_excluded"],
            }
        )
        total += computed["total_included"]
        for tax_line in computed["taxes"]:
            key = tax_line["tax_repartition_line_id"]
            amount, base = taxes.get(key, (0.0, 0.0))
            taxes[key] = (amount + tax_line["amount"], base + tax_line["base"])
    for repartition_id, (amount, base) in taxes.items():
        repartition = env["account.tax.repartition.line"].browse(repartition_id)
        lines.append(
            {
                "display_type": "tax",
                "name": repartition.tax_id.name,
                "tax_repartition_line_id": repartition_id,
                "account_id": repartition.account_id.id,
                "analytic_distribution": False,
                "balance": -currency.round(amount),
                "amount_currency": -currency.round(amount),
                "tax_base_amount": base,
            }
        )
    lines.append(
        {
            "display_type": "payment_term",
            "name": "",
            "account_id": receivable.id,
            "balance": currency.round(total),
            "amount_currency": currency.round(total),
            "date_maturity": date,
        }
    )
    return {
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "journal_id": journal.id,
        "name": name,
        "invoice_date": date,
        "date": date,
        "line_ids": [(0, 0, line) for line in lines],
    }


def fill(sources, partners, first_number):
    """Copy the open invoices ``sources`` (cycling) once per entry of ``partners``.

    Every stored column is copied, so the copies are as consistent as their
    originals; only the id, customer, number and token differ. Their lines
    (with their taxes) are copied the same way. Three queries in all.
    """
    cr = env.cr
    cr.execute(
        """
        CREATE TEMP TABLE bench_copy ON COMMIT DROP AS
        SELECT (%(sources)s)[1 + (n - 1) %% cardinality(%(sources)s)] AS source,
               nextval('account_move_id_seq') AS id,
               (%(partners)s)[n] AS partner_id,
               %(first)s + n - 1 AS number
          FROM generate_series(1, cardinality(%(partners)s)) AS n;
        CREATE TEMP TABLE bench_copy_line ON COMMIT DROP AS
        SELECT l.id AS source, nextval('account_move_line_id_seq') AS id,
               c.id AS move_id, c.partner_id
          FROM bench_copy c JOIN account_move_line l ON l.move_id = c.source;
        """,
        {"sources": sources.ids, "partners": partners, "first": first_number},
    )

    def columns(table, replaced):
        cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position",
            [table],
        )
        names = [row[0] for row in cr.fetchall()]
        return ", ".join(names), ", ".join(replaced.get(name, f"o.{name}") for name in names)

    move_names, move_values = columns(
        "account_move",
        {
            "id": "c.id",
            "partner_id": "c.partner_id",
            "commercial_partner_id": "c.partner_id",
            "partner_shipping_id": "c.partner_id",
            "invoice_partner_display_name": "p.name",
            "sequence_number": "c.number",
            "name": "o.sequence_prefix || lpad(c.number::text, 5, '0')",
            "payment_reference": "o.sequence_prefix || lpad(c.number::text, 5, '0')",
            "access_token": "NULL",
        },
    )
    line_names, line_values = columns(
        "account_move_line",
        {
            "id": "c.id",
            "move_id": "c.move_id",
            "partner_id": "c.partner_id",
            "move_name": "m.name",
        },
    )
    cr.execute(
        f"""
        INSERT INTO account_move ({move_names})
        SELECT {move_values} FROM bench_copy c
          JOIN account_move o ON o.id = c.source JOIN res_partner p ON p.id = c.partner_id;
        INSERT INTO account_move_line ({line_names})
        SELECT {line_values} FROM bench_copy_line c
          JOIN account_move_line o ON o.id = c.source JOIN account_move m ON m.id = c.move_id;
        INSERT INTO account_move_line_account_tax_rel (account_move_line_id, account_tax_id)
        SELECT c.id, r.account_tax_id FROM bench_copy_line c
          JOIN account_move_line_account_tax_rel r ON r.account_move_line_id = c.source;
        INSERT INTO mail_followers (res_model, res_id, partner_id)
        SELECT 'account.move', c.id, c.partner_id FROM bench_copy c;
        """
    )


STAGES = {}  # stage: [wall seconds, Python CPU seconds]


@contextmanager
def stage(name):
    """Add the block's wall and Python CPU time to ``STAGES[name]``."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        totals = STAGES.setdefault(name, [0.0, 0.0])
        totals[0] += time.perf_counter() - wall
        totals[1] += time.process_time() - cpu


ANALYZED = {}  # table: rows at its last ANALYZE


def analyze(*tables, force=False):
    """ANALYZE the ``tables`` that have doubled since their last ANALYZE (or all, ``force``).

    Without fresh statistics PostgreSQL plans the reconciliation queries of the
    next chunks as if the tables were still their demo size; refreshing them
    after every chunk costs more than it brings once they are big.
    """
    with stage("analyze"):
        for table in tables:
            env.cr.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (our table names)
            rows = env.cr.fetchone()[0]
            if force or rows >= 2 * ANALYZED.get(table, 0):
                env.cr.execute(f"ANALYZE {table}")
                ANALYZED[table] = rows


def commit():
    with stage("commit"):
        env.cr.commit()


if Partner.search_count([("ref", "=", "bench_c10")]):
    print("benchmark data already present")
else:
    started, cpu_started = time.perf_counter(), time.process_time()
    # This connection only: the build's commits do not wait for the disk.
    env.cr.execute("SET synchronous_commit TO off")
    # The demo world (islebooks_payment_links/demo/ on top of Odoo's demo data).
    company = env.ref("base.main_company")
    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    Partner, Move = env["res.partner"], env["account.move"]
    chart = env["account.chart.template"].with_company(company)
    product = env.ref("islebooks_payment_links.product_laundry_service_demo")
    tax = product.taxes_id.filtered(lambda t: t.company_id == company)
    currency = company.currency_id
    income = product.product_tmpl_id._get_product_accounts()["income"]
    journal = chart.ref("sale")
    bank = chart.ref("bank")
    receivable = Partner.new({}).property_account_receivable_id
    year = time.strftime("%Y")
    # Numbered after the demo's own invoices of the year.
    env.cr.execute(
        "SELECT COALESCE(MAX(sequence_number), 0) FROM account_move"
        " WHERE journal_id = %s AND sequence_prefix = %s",
        [journal.id, f"{journal.code}/{year}/"],
    )
    number = env.cr.fetchone()[0]
    with stage("customers"):
        named = Partner.create(
            [
                {
                    "name": f"Bench customer {ref}",
                    "ref": ref,
                    "is_company": True,
                    "email": f"{ref}@example.com",
                    "customer_rank": 1,
                }
                for ref in {**PROFILES, **HEAVY}
            ]
        )
        others = Partner.create(
            [
                {
                    "name": f"Bench customer {i:04d}",
                    "is_company": True,
                    "customer_rank": 1,
                    "email": f"c{i}@example.com",
                }
                for i in range(max(CUSTOMERS - len(named), 1))
            ]
        )
    plan = [p for p in named if p.ref in PROFILES for _ in range(PROFILES[p.ref])]
    heavy = [p for p in named if p.ref in HEAVY for _ in range(HEAVY[p.ref])]
    remaining = max(INVOICES - len(plan) - len(heavy), 0)
    # Every other customer gets at least one real invoice when ORM_OTHERS allows.
    others_plan = list(others) + [others[rng.randrange(len(others))] for _ in range(remaining)]
    others_plan = others_plan[:remaining]
    rng.shuffle(others_plan)
    plan += others_plan[:ORM_OTHERS]
    copies = others_plan[ORM_OTHERS:] + heavy
    rng.shuffle(plan)
    today = time.strftime("%Y-%m-%d")
    for start in range(0, len(plan), CHUNK):
        chunk = plan[start : start + CHUNK]
        with stage("create"):
            vals_list = []
            for partner in chunk:
                number += 1
                vals_list.append(
                    invoice_vals(partner, f"{journal.code}/{year}/{number:05d}", today)
                )
            # Complete invoices (their tax and receivable lines computed above by
            # the tax's own compute_all): Odoo's line synchronisation, most of the
            # creation time, has nothing left to do.
            moves = Move.with_context(skip_invoice_sync=True, check_move_validity=False).create(
                vals_list
            )
            # Posting subscribes each customer to its invoice, five queries each
            # unless it already follows: one insert for the chunk instead.
            env.cr.execute(
                """
                INSERT INTO mail_followers (res_model, res_id, partner_id)
                SELECT 'account.move', m.id, m.partner_id FROM account_move m WHERE m.id = ANY(%s)
                ON CONFLICT DO NOTHING
                """,
                [moves.ids],
            )
            moves.invalidate_recordset(["message_partner_ids", "message_follower_ids"])
        with stage("post"):
            moves.action_post()
        with stage("pay"):
            paid = moves.filtered(lambda m: rng.random() < PAID_SHARE)
            if paid:
                pay(paid, bank, today)
        with stage("refund"):
            refunded = (moves - paid).filtered(lambda m: rng.random() < REFUND_SHARE)
            if refunded:
                refund(refunded, today)
        with stage("flush"):
            env.flush_all()
        commit()
        env.invalidate_all()
        analyze("account_move", "account_move_line", "account_partial_reconcile")
        print(
            f"  {start + len(chunk)}/{len(plan)} invoices ({time.perf_counter() - started:.0f}s)",
            flush=True,
        )
    if copies:
        with stage("copies (SQL)"):
            sources = Move.search(
                [
                    ("partner_id", "in", others.ids),
                    ("move_type", "=", "out_invoice"),
                    ("payment_state", "=", "not_paid"),
                ]
            )
            fill(sources, [partner.id for partner in copies], number + 1)
        commit()
        print(f"  {len(copies)} more invoices copied in SQL", flush=True)
    analyze(
        "account_move",
        "account_move_line",
        "account_partial_reconcile",
        "account_move_line_account_tax_rel",
        "mail_followers",
        "res_partner",
        force=True,
    )
    env["ir.config_parameter"].set_param("islebooks_bench.complete", f"{CUSTOMERS}/{INVOICES}")
    commit()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"benchmark data built in {wall:.0f}s ({cpu:.0f}s of Python CPU)")
    print(f"  {'stage':16} {'wall s':>7} {'CPU s':>7}")
    for name, (stage_wall, stage_cpu) in STAGES.items():
        print(f"  {name:16} {stage_wall:7.1f} {stage_cpu:7.1f}")
