"""Names that say what they are.

The throttle's columns say what they hold: ``address`` -> ``key`` (a client
address, or a prefixed key such as ``tx-link:42``), ``failures`` -> ``hits``
(failed lookups, but also payments started and confirmations sent).

Renamed before the registry loads, with their field records and xml ids, so the
upgrade keeps the live counters instead of creating new columns and dropping
the old ones.

The abstract model ``islebooks.payment.page.cache`` (no table) is the cache
invalidation of the payment pages: ``islebooks.payment.page.cache``. Its
``ir.model`` row and the xml ids of the row and of its inheritances follow, so
the upgrade renames them rather than deleting and creating them.
"""

TABLE = "islebooks_payment_link_throttle"
MODEL = "islebooks.payment.link.throttle"
RENAMES = {"address": "key", "failures": "hits"}
OLD_MIXIN, NEW_MIXIN = "islebooks.payment.page.cache", "islebooks.payment.page.cache"


def migrate(cr, version):
    rename_throttle_columns(cr)
    rename_mixin(cr)


def rename_throttle_columns(cr):
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
        cr.execute(f'ALTER TABLE {TABLE} RENAME COLUMN "{old}" TO "{new}"')
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
    cr.execute(f"ALTER INDEX IF EXISTS {TABLE}_address_uniq RENAME TO {TABLE}_key_uniq")


def rename_mixin(cr):
    old, new = (name.replace(".", "_") for name in (OLD_MIXIN, NEW_MIXIN))
    cr.execute("UPDATE ir_model SET model = %s WHERE model = %s", [NEW_MIXIN, OLD_MIXIN])
    cr.execute("UPDATE ir_model_fields SET model = %s WHERE model = %s", [NEW_MIXIN, OLD_MIXIN])
    cr.execute(
        "UPDATE ir_model_data SET name = replace(name, %s, %s)"
        " WHERE module = 'islebooks_payment_links' AND model IN ('ir.model', 'ir.model.inherit')"
        " AND name LIKE %s",
        [f"__{old}", f"__{new}", f"%\\_\\_{old}"],
    )
    cr.execute(
        "UPDATE ir_model_data SET name = %s"
        " WHERE module = 'islebooks_payment_links' AND model = 'ir.model' AND name = %s",
        [f"model_{new}", f"model_{old}"],
    )
