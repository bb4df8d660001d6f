# Run inside `odoo shell` by bench/run: fills the benchmark database in batches.
# Sizes come from the environment; the database is reused when already filled.
import os
import random
import time

env = env  # noqa: F821 (provided by odoo shell)
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 1000))
INVOICES = int(os.environ.get("BENCH_INVOICES", 20000))
BATCH = 500
# Customers the benchmark measures: exact invoice counts, plus a heavy one.
PROFILES = {"bench_c10": 10, "bench_c100": 100, "bench_c1000": 1000, "bench_c1500": 1500}

rng = random.Random(42)
Partner = env["res.partner"]
if Partner.search_count([("ref", "=", "bench_c10")]):
    print("benchmark data already present")
else:
    started = time.time()
    company = env.company
    product = env["product.product"].create({"name": "Bench service", "list_price": 100.0})
    tax = env["account.tax"].search(
        [("type_tax_use", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    named = Partner.create(
        [
            {
                "name": f"Bench customer {ref}",
                "ref": ref,
                "is_company": True,
                "email": f"{ref}@example.com",
                "customer_rank": 1,
            }
            for ref in PROFILES
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
    plan = [p for p in named for _ in range(PROFILES[p.ref])]
    remaining = max(INVOICES - len(plan), 0)
    plan += [others[rng.randrange(len(others))] for _ in range(remaining)]
    rng.shuffle(plan)
    today = time.strftime("%Y-%m-%d")
    for start in range(0, len(plan), BATCH):
        chunk = plan[start : start + BATCH]
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "quantity": rng.randint(1, 5),
                                "price_unit": rng.choice([35.0, 120.0, 499.0]),
                                "tax_ids": [(6, 0, tax.ids)],
                            },
                        )
                        for _ in range(rng.randint(1, 3))
                    ],
                }
                for partner in chunk
            ]
        )
        moves.action_post()
        # About a third paid, a few refunded: the portal has a real paid history.
        paid = moves.filtered(lambda m: rng.random() < 0.35)
        if paid:
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=paid.ids
            ).create({"group_payment": False}).action_create_payments()
        refunded = (moves - paid).filtered(lambda m: rng.random() < 0.03)
        if refunded:
            env["account.move.reversal"].with_context(
                active_model="account.move", active_ids=refunded.ids
            ).create({"journal_id": refunded[0].journal_id.id, "reason": "bench"}).refund_moves()
            env["account.move"].search(
                [("reversed_entry_id", "in", refunded.ids), ("state", "=", "draft")]
            ).action_post()
        env.cr.commit()
        env.invalidate_all()
        # Fresh statistics: without them PostgreSQL plans the reconciliation
        # queries of the next batches as if the tables were still empty.
        env.cr.execute("ANALYZE account_move, account_move_line, account_partial_reconcile")
        print(f"  {start + len(chunk)}/{len(plan)} invoices ({time.time() - started:.0f}s)")
    env["ir.config_parameter"].set_param("islebooks_bench.complete", f"{CUSTOMERS}/{INVOICES}")
    env.cr.commit()
    print(f"benchmark data built in {time.time() - started:.0f}s")
