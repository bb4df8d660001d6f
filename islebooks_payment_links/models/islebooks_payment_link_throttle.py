from datetime import timedelta

from odoo import api, fields, models

# Defaults of the ``islebooks_payment_links.throttle_*`` system parameters.
DEFAULT_MAX_FAILURES = 20
DEFAULT_WINDOW_MINUTES = 10


class IslebooksPaymentLinkThrottle(models.Model):
    """Failed token lookups per client address, in one-minute buckets.

    The state lives in the database so every worker of a multi-process server
    sees the same counters; a worker's memory would let a guesser spread its
    attempts over the workers.
    """

    _name = "islebooks.payment.link.throttle"
    _description = "Payment link failed attempts"
    _log_access = False
    _order = "bucket desc"

    address = fields.Char(required=True, readonly=True)
    bucket = fields.Datetime(required=True, readonly=True, help="Start of the minute counted.")
    failures = fields.Integer(required=True, readonly=True, default=0)

    _sql_constraints = [
        ("address_bucket_uniq", "UNIQUE(address, bucket)", "One counter per address and minute."),
    ]

    @api.model
    def _get_limits(self):
        """(max failures, window in minutes) from the system parameters."""
        params = self.env["ir.config_parameter"].sudo()
        max_failures = int(
            params.get_param("islebooks_payment_links.throttle_max_failures", DEFAULT_MAX_FAILURES)
        )
        window = int(
            params.get_param(
                "islebooks_payment_links.throttle_window_minutes", DEFAULT_WINDOW_MINUTES
            )
        )
        return max_failures, max(window, 1)

    @api.model
    def _register_failure(self, address):
        """Count one failed attempt of ``address``, committed at once.

        A separate cursor keeps the count when the request itself is rolled
        back (an error answer) and holds the counter row's lock for one
        statement only; the upsert is atomic across workers.
        """
        with self.env.registry.cursor() as cr:
            cr.execute(
                """
                INSERT INTO islebooks_payment_link_throttle AS t (address, bucket, failures)
                     VALUES (%s, date_trunc('minute', now() at time zone 'UTC'), 1)
                ON CONFLICT (address, bucket) DO UPDATE SET failures = t.failures + 1
                """,
                [address],
            )

    @api.model
    def _retry_after(self, address):
        """Seconds until ``address`` may try again, or 0 when it is not blocked.

        One indexed read; nothing is written on this path.
        """
        max_failures, window = self._get_limits()
        if max_failures <= 0:
            return 0
        self.env.cr.execute(
            """
            SELECT bucket, failures, now() at time zone 'UTC'
              FROM islebooks_payment_link_throttle
             WHERE address = %s
               AND bucket > now() at time zone 'UTC' - make_interval(mins => %s)
             ORDER BY bucket
            """,
            [address, window],
        )
        rows = self.env.cr.fetchall()
        total = sum(failures for _bucket, failures, _now in rows)
        for bucket, failures, now in rows:
            if total < max_failures:
                break
            total -= failures
            # Once this bucket leaves the window the total drops below the limit.
            if total < max_failures:
                wait = bucket + timedelta(minutes=window) - now
                return max(int(wait.total_seconds()) + 1, 1)
        return 0

    @api.autovacuum
    def _gc_old_buckets(self):
        _max_failures, window = self._get_limits()
        self.env.cr.execute(
            """
            DELETE FROM islebooks_payment_link_throttle
             WHERE bucket <= now() at time zone 'UTC' - make_interval(mins => %s)
            """,
            [window],
        )
