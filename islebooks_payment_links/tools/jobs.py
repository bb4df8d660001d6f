"""A pass of a scheduled job never outlasts the cron worker.

Odoo's runner (``ir.cron._run_job``) calls a job that reports work remaining
(``ir.cron._notify_progress``) again at once, up to ``MAX_BATCH_PER_CRON_JOB``
(10) times in one pass, then leaves it "ready" for the next pass, once the
other jobs had their turn. The whole pass must end before the cron worker is
killed (``limit_time_real_cron``, 600 s in readme/DEPLOY.md), and the other
jobs (Odoo's post-processing of payments among them) wait for it. So a call
stops taking new work once its share of the pass budget is spent, and reports
what remains: Odoo's runner calls again, not a trigger of ours.
"""

import time

from odoo.tools import config

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB

# Seconds one pass of a job works, all its calls together (the system parameter
# overrides it): 120 s, a fifth of the 600 s readme/DEPLOY.md gives a pass of
# the cron worker, and at most a fifth of the configured limit, leaving room to
# the other jobs of the same pass (Odoo's booking of payments among them) and to
# the item begun last (a legal PDF takes about 2.5 s with Debian's wkhtmltopdf).
PASS_BUDGET_PARAM = "islebooks_payment_links.job_pass_seconds"
DEFAULT_PASS_BUDGET = 120


def default_pass_budget():
    limit = config.get("limit_time_real_cron") or 0
    if limit < 0:  # -1: the HTTP workers' limit applies
        limit = config.get("limit_time_real") or 0
    return min(DEFAULT_PASS_BUDGET, limit / 5) if limit > 0 else DEFAULT_PASS_BUDGET


def job_deadline(env):
    """The ``time.monotonic()`` after which this call of a job takes no new item,
    or None outside Odoo's cron runner (a direct call does all the work)."""
    if "ir_cron_progress_id" not in env.context:
        return None
    value = env["ir.config_parameter"].sudo().get_param(PASS_BUDGET_PARAM)
    try:
        budget = max(float(value), 0.0) if value not in (None, False, "") else None
    except ValueError:
        budget = None
    if budget is None:
        budget = default_pass_budget()
    return time.monotonic() + budget / MAX_BATCH_PER_CRON_JOB


def past(deadline):
    """Whether ``deadline`` (from ``job_deadline``) has passed."""
    return deadline is not None and time.monotonic() >= deadline
