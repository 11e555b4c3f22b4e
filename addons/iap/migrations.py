"""The iap addon's schema steps, each written against the tables as they were
(never the live models). A fresh install creates the tables from the models
and skips them."""

from __future__ import annotations

import peewee

from host import Migration


def _orders_remember_saving(migrator, database):
    """Version 1: an order says whether the buyer asked to keep the card
    (``iap_order.save_method``), for Stripe's automatic top-ups."""
    if "save_method" not in {c.name for c in database.get_columns("iap_order")}:
        field = peewee.BooleanField(default=False)
        migrator.add_column("iap_order", "save_method", field).run()


def _lots_in_spending_order(migrator, database):
    """Version 2: lots are read in draw-down order from an index of the lots
    that still have credits (a hold stops at the first lots it needs), and
    the indexes that repeated another's first column are gone; the journal's
    lot index covers only the entries that name a lot."""
    for name in (
        "iap_lot_account_id_remaining",
        "iap_hold_account_id",
        "iap_entry_account_id",
        "iap_entry_account_id_kind",
        "iap_entry_lot_id",
    ):
        database.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    database.execute_sql(
        'CREATE INDEX IF NOT EXISTS "iap_entry_lot_id" ON "iap_entry" ("lot_id") '
        'WHERE ("lot_id" IS NOT NULL)'
    )
    database.execute_sql(
        'CREATE INDEX IF NOT EXISTS "iap_lot_spendable" ON "iap_lot" '
        '("account_id", ("expires_at" IS NULL), "expires_at", "free" DESC, "id") '
        'WHERE ("remaining" > 0)'
    )


MIGRATIONS = [
    Migration(1, "orders remember whether to save the card", _orders_remember_saving),
    Migration(2, "lots read in spending order; no duplicate indexes", _lots_in_spending_order),
]
