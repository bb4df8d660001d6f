"""The addon's locks: locks are for writes, not for work.

A job or a long action (rendering PDFs, emailing, looping over many records)
holds no row lock while it works: it takes rows only for a short write it
commits at once, without waiting (``FOR NO KEY UPDATE SKIP LOCKED``), and a
row another transaction holds is left for a later run. What must be exclusive
for longer ("one payment of this invoice starts at a time", "one transaction
renders this PDF") is a transaction-level advisory lock on the record's id, in
a namespace of its own: no write, no job and no other namespace conflicts with
it. Both kinds end with the transaction.
"""

from psycopg2.errors import SerializationFailure

from odoo.tools import SQL

# The first key of each advisory lock (the second is a record id).
REMINDER_PLAN = 74_140_014  # the reminders of this company are being planned
PAYMENT_START = 74_140_027  # a payment of this invoice is being started
PAYMENT_START_ITEM = (
    74_140_030  # a payment of this other amount due (journal item) is being started
)
LEGAL_PDF_RENDER = 74_140_028  # this invoice's legal PDF is being rendered
LEGAL_PDF_QUEUE = 74_140_029  # this invoice's legal PDF is being queued


def try_advisory_locks(cr, namespace, ids):
    """The ids of ``ids`` this transaction now holds in ``namespace``; never waits."""
    if not ids:
        return set()
    cr.execute(
        SQL(
            "SELECT id FROM unnest(%s::int[]) AS id WHERE pg_try_advisory_xact_lock(%s, id)",
            sorted(ids),
            namespace,
        )
    )
    return {row[0] for row in cr.fetchall()}


def wait_advisory_locks(cr, namespace, ids):
    """Hold ``ids`` in ``namespace`` for this transaction, waiting for their
    holders (in id order, so two waiters cannot deadlock)."""
    for record_id in sorted(ids):
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", namespace, record_id))


def take_free_rows(cr, table, ids, keep):
    """The ids of ``ids`` whose row of ``table`` no other transaction holds,
    tried one by one without waiting (``FOR NO KEY UPDATE SKIP LOCKED``).

    With ``keep`` the rows found free stay locked, for a short write; without,
    each lock is given back at once (its savepoint rolled back) and only the
    answer is kept. In REPEATABLE READ a row changed since this transaction's
    snapshot cannot be locked: it counts as held, and a later transaction
    sees it afresh.
    """
    free = set()
    for record_id in sorted(ids):
        savepoint = cr.savepoint(flush=False)
        try:
            cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                    SQL.identifier(table),
                    record_id,
                ),
                log_exceptions=False,
            )
            found = bool(cr.fetchall())
        except SerializationFailure:
            found = False
        savepoint.close(rollback=not (keep and found))
        if found:
            free.add(record_id)
    return free


def check_unchanged_rows(cr, table, ids):
    """Raise a serialization failure when a row of ``ids`` was changed by a
    transaction committed after this one's snapshot; never waits, keeps no lock.

    What a transaction that waited for another one calls to learn whether the
    other one wrote: Odoo's request loop retries a request failing this way
    with a fresh snapshot, which shows what the other one wrote.
    """
    if not ids:
        return
    savepoint = cr.savepoint(flush=False)
    try:
        cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                SQL.identifier(table),
                tuple(ids),
            ),
            log_exceptions=False,
        )
    finally:
        savepoint.close(rollback=True)
