import ipaddress
import math

from odoo import api, fields, models
from odoo.http import request

# Defaults of the ``islebooks_payment_links.*`` system parameters.
DEFAULT_MAX_FAILURES = 20
DEFAULT_WINDOW_MINUTES = 10
DEFAULT_TX_PER_LINK = 10
DEFAULT_TX_PER_ADDRESS = 30
# Bank-transfer confirmations one link may submit in an hour.
DEFAULT_CONFIRMATIONS_PER_LINK = 10
TX_WINDOW_MINUTES = 60
# Keys of the counters (failed lookups use the bare address): payments started
# from an address, payments started through a link, confirmations of a link.
TX_KEY_PREFIX = "tx:"
TX_LINK_KEY_PREFIX = "tx-link:"
CONFIRM_LINK_KEY_PREFIX = "confirm-link:"
# The counters that count by the hour (TX_WINDOW_MINUTES), not by the lookup window.
HOURLY_KEY_PREFIXES = (TX_KEY_PREFIX, TX_LINK_KEY_PREFIX, CONFIRM_LINK_KEY_PREFIX)


def client_address():
    """The address of the current request's client.

    Odoo applies ProxyFix to remote_addr only in --proxy-mode: a spoofed
    X-Forwarded-For is ignored otherwise. Never read that header here.
    """
    return (request and request.httprequest.remote_addr) or "unknown"


def client_key(address):
    """The throttle key of a client address: IPv4 as is, IPv6 by its /64.

    One IPv6 customer or attacker holds a whole /64 (2**64 addresses): keyed
    by address, a guesser would get a fresh counter per request. IPv4-mapped
    IPv6 addresses count as their IPv4 address; anything else (tests, unix
    sockets) is kept as given, cut to a sane length.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "unknown")[:64]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class IslebooksPaymentLinkThrottle(models.Model):
    """Counters per key: failed token lookups and payments per client address,
    payments and bank-transfer confirmations per link.

    One row per key with the start of its counting window and its hits: a
    flood of failures updates one row, and rows whose window has passed are deleted
    whenever a new key comes in, so the table holds only the keys active in
    the last window. The state lives in the database so every worker of a
    multi-process server sees the same counters; a worker's memory would let a
    guesser spread its attempts over the workers.
    """

    _name = "islebooks.payment.link.throttle"
    _description = "Payment link rate limits"
    _log_access = False
    _order = "window_start desc"

    key = fields.Char(
        required=True,
        readonly=True,
        help="What is counted: a client address (IPv6 by /64) for failed token lookups, "
        "else a prefixed key such as tx-link:42 (the payments started through link 42).",
    )
    window_start = fields.Datetime(
        required=True, readonly=True, index=True, help="Start of the counting window."
    )
    hits = fields.Integer(
        required=True,
        readonly=True,
        default=0,
        help="Hits of the key in its window: failed lookups, payments started, confirmations.",
    )

    def init(self):
        # Before one row per key, rows were per key and minute: drop them with
        # their constraint (throttle counters are short-lived by design).
        self.env.cr.execute(
            """
            ALTER TABLE islebooks_payment_link_throttle
                DROP CONSTRAINT IF EXISTS islebooks_payment_link_throttle_address_bucket_uniq;
            DELETE FROM islebooks_payment_link_throttle WHERE window_start IS NULL;
            CREATE UNIQUE INDEX IF NOT EXISTS islebooks_payment_link_throttle_key_uniq
                ON islebooks_payment_link_throttle (key);
            """
        )

    @api.model
    def _get_param_int(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(f"islebooks_payment_links.{key}")
        try:
            return int(value) if value not in (None, False, "") else default
        except ValueError:
            return default

    @api.model
    def _get_limits(self):
        """(max failures, window in minutes) from the system parameters."""
        max_failures = self._get_param_int("throttle_max_failures", DEFAULT_MAX_FAILURES)
        window = self._get_param_int("throttle_window_minutes", DEFAULT_WINDOW_MINUTES)
        return max_failures, max(window, 1)

    @api.model
    def _get_transaction_limits(self):
        """(payments per link, payments per address) per hour, from the system parameters."""
        return (
            self._get_param_int("transactions_per_link_per_hour", DEFAULT_TX_PER_LINK),
            self._get_param_int("transactions_per_address_per_hour", DEFAULT_TX_PER_ADDRESS),
        )

    # ------------------------------------------------------------------
    # The keyed limiter: every counter of the addon goes through these two
    # ------------------------------------------------------------------

    @api.model
    def _hit(self, key, window, keep_on_rollback=True):
        """Count one hit of ``key`` in its ``window`` (minutes).

        By default the hit is committed at once: a separate cursor keeps the
        count when the request itself is rolled back (an error answer) and
        holds the counter row's lock for one statement only. Without
        ``keep_on_rollback`` the hit belongs to the current transaction, like
        the record it counts (a payment, a confirmation): it is undone with
        it, and the counter row stays locked until the commit, which
        serialises the hits of one key. The upsert is atomic across workers.
        A new key prunes the rows whose window has passed, which keeps the
        table bounded.
        """
        if not keep_on_rollback:
            self._count_hit(self.env.cr, key, window)
            return
        with self.env.registry.cursor() as cr:
            self._count_hit(cr, key, window)

    @api.model
    def _count_hit(self, cr, key, window):
        cr.execute(
            """
            INSERT INTO islebooks_payment_link_throttle AS t (key, window_start, hits)
                 VALUES (%(key)s, now() at time zone 'UTC', 1)
            ON CONFLICT (key) DO UPDATE
                    SET hits = CASE WHEN t.window_start > EXCLUDED.window_start
                                             - make_interval(mins => %(window)s)
                                        THEN t.hits + 1 ELSE 1 END,
                        window_start = CASE WHEN t.window_start > EXCLUDED.window_start
                                                 - make_interval(mins => %(window)s)
                                            THEN t.window_start
                                            ELSE EXCLUDED.window_start END
              RETURNING (xmax = 0)
            """,
            {"key": key, "window": window},
        )
        [(inserted,)] = cr.fetchall()
        if inserted:
            self._prune(cr)

    @api.model
    def _retry_after(self, key, limit, window):
        """Seconds until ``key`` is below ``limit`` hits again, or 0. One indexed read."""
        if limit <= 0:
            return 0
        self.env.cr.execute(
            """
            SELECT EXTRACT(EPOCH FROM window_start + make_interval(mins => %(window)s)
                                      - now() at time zone 'UTC')
              FROM islebooks_payment_link_throttle
             WHERE key = %(key)s
               AND hits >= %(limit)s
               AND window_start > now() at time zone 'UTC' - make_interval(mins => %(window)s)
            """,
            {"key": key, "limit": limit, "window": window},
        )
        row = self.env.cr.fetchone()
        return max(math.ceil(row[0]), 1) if row else 0

    # ------------------------------------------------------------------
    # The keys, limits and windows of each counter
    # ------------------------------------------------------------------

    @api.model
    def _lookup_rule(self, address=None):
        """``(key, limit, window)`` of the failed token lookups of a client address."""
        max_failures, window = self._get_limits()
        return client_key(address or client_address()), max_failures, window

    @api.model
    def _transaction_rule(self, address=None):
        """``(key, limit, window)`` of the payments started from a client address."""
        _per_link, per_address = self._get_transaction_limits()
        return (
            TX_KEY_PREFIX + client_key(address or client_address()),
            per_address,
            TX_WINDOW_MINUTES,
        )

    @api.model
    def _link_transaction_rule(self, link):
        """``(key, limit, window)`` of the payments started through ``link``: a
        forwarded link cannot be used to test stolen cards."""
        per_link, _per_address = self._get_transaction_limits()
        return f"{TX_LINK_KEY_PREFIX}{link.id}", per_link, TX_WINDOW_MINUTES

    @api.model
    def _confirmation_rule(self, link):
        """``(key, limit, window)`` of the bank-transfer confirmations of ``link``."""
        return (
            f"{CONFIRM_LINK_KEY_PREFIX}{link.id}",
            DEFAULT_CONFIRMATIONS_PER_LINK,
            TX_WINDOW_MINUTES,
        )

    @api.model
    def _register_failure(self, address=None):
        """Count one failed attempt of ``address`` (the client's by default)."""
        key, _limit, window = self._lookup_rule(address)
        self._hit(key, window)

    @api.model
    def _lookup_retry_after(self, address=None):
        """Seconds until ``address`` may look a token up again, or 0 when not blocked."""
        return self._retry_after(*self._lookup_rule(address))

    @api.model
    def _prune(self, cr):
        """Delete the counters whose window has passed (an indexed range delete)."""
        cr.execute(
            """
            DELETE FROM islebooks_payment_link_throttle
             WHERE window_start <= now() at time zone 'UTC' - make_interval(mins => %(lookups)s)
               AND (NOT key LIKE ANY(%(hourly)s)
                    OR window_start <= now() at time zone 'UTC' - make_interval(mins => %(hour)s))
            """,
            {
                "lookups": self._get_limits()[1],
                "hourly": [f"{prefix}%" for prefix in HOURLY_KEY_PREFIXES],
                "hour": TX_WINDOW_MINUTES,
            },
        )

    @api.autovacuum
    def _gc_expired_counters(self):
        self._prune(self.env.cr)
