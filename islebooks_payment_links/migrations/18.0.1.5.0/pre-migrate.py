"""The throttle's columns say what they hold: ``address`` -> ``key`` (a client
address, or a prefixed key such as ``tx-link:42``), ``failures`` -> ``hits``
(failed lookups, but also payments started and confirmations sent).

Renamed before the registry loads, with their field records and xml ids, so the
upgrade keeps the live counters instead of creating new columns and dropping
the old ones.

(The abstract model renamed in this version, ``islebooks.payment.page.source``
-> ``.cache``, has no table: Odoo's upgrade replaces its ``ir.model`` rows.)
"""

from odoo.tools import SQL

TABLE = "islebooks_payment_link_throttle"
MODEL = "islebooks.payment.link.throttle"
RENAMES = {"address": "key", "failures": "hits"}


def migrate(cr, version):
    cr.execute("SELECT 1 FROM information_schema.tables WHERE table_name = %s", [TABLE])
    if not cr.fetchone():
        return
    for old, new in RENAMES.items():
        cr.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            [TABLE, old],
        )
        if not cr.fetchone():
            continue
        cr.execute(
            SQL("ALTER TABLE %s RENAME COLUMN %s TO %s", *map(SQL.identifier, (TABLE, old, new)))
        )
        cr.execute(
            "UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s",
            [new, MODEL, old],
        )
        cr.execute(
            "UPDATE ir_model_data SET name = %s"
            " WHERE module = 'islebooks_payment_links' AND model = 'ir.model.fields'"
            " AND name = %s",
            [f"field_{TABLE}__{new}", f"field_{TABLE}__{old}"],
        )
    cr.execute(
        SQL(
            "ALTER INDEX IF EXISTS %s RENAME TO %s",
            SQL.identifier(f"{TABLE}_address_uniq"),
            SQL.identifier(f"{TABLE}_key_uniq"),
        )
    )
