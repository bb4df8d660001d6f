"""What the odoo-shell scripts of bench/ share (bench/run puts this folder on PYTHONPATH)."""

import time


def timed(env, out, label, count, func):
    """Run ``func`` in a savepoint rolled back afterwards; record its time and SQL queries."""
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
