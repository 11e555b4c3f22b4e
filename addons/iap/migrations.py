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


def _holds_without_lots(migrator, database):
    """Version 3: a charge writes about what a minimal two-phase ledger
    writes. A hold only moves credits from ``available`` to ``held`` (no
    journal entry, no lot touched); its capture takes from the lots. So:

    - the journal counts the balance (credits owned, held or not): earlier
      entries are restated in it, a hold and a release 0, a capture minus
      what it spent, each balance after its available after plus its held
      after (the same history, in the new unit); the held after column goes;
    - the credits live holds had reserved go back to their lots;
    - a lot says whether it is ``empty``, and the index of the lots with
      credits is over that, not ``remaining``; a hold names the ``lot`` that
      paid it all; the account keeps ``next_expiry``;
    - the holds are indexed only while live; the reference and the
      journal's hold indexes go (nothing searches by them)."""
    columns = {c.name for c in database.get_columns("iap_account")}
    if "next_expiry" not in columns:
        migrator.add_column("iap_account", "next_expiry", peewee.DateTimeField(null=True)).run()
    if "empty" not in {c.name for c in database.get_columns("iap_lot")}:
        # In one statement: SQLite's migrator would rebuild the table for the
        # NOT NULL, which the foreign keys to it refuse.
        boolean = "BOOLEAN" if isinstance(database, peewee.PostgresqlDatabase) else "INTEGER"
        database.execute_sql(
            f'ALTER TABLE "iap_lot" ADD COLUMN "empty" {boolean} NOT NULL DEFAULT FALSE'
        )
    if "lot_id" not in {c.name for c in database.get_columns("iap_hold")}:
        database.execute_sql(
            'ALTER TABLE "iap_hold" ADD COLUMN "lot_id" INTEGER REFERENCES "iap_lot" ("id")'
        )
    # What live holds reserved from lots goes back to them.
    reserved = database.execute_sql(
        'SELECT hl."id", hl."lot_id", hl."amount" FROM "iap_hold_lot" AS hl '
        'JOIN "iap_hold" AS h ON h."id" = hl."hold_id" WHERE h."state" = \'held\''
    ).fetchall()
    param = "%s" if isinstance(database, peewee.PostgresqlDatabase) else "?"
    for alloc_id, lot_id, amount in reserved:
        database.execute_sql(
            f'UPDATE "iap_lot" SET "remaining" = "remaining" + {param} WHERE "id" = {param}',
            (amount, lot_id),
        )
        database.execute_sql(f'DELETE FROM "iap_hold_lot" WHERE "id" = {param}', (alloc_id,))
    database.execute_sql('UPDATE "iap_lot" SET "empty" = ("remaining" = 0)')
    database.execute_sql(
        'UPDATE "iap_account" SET "next_expiry" = (SELECT MIN(l."expires_at") FROM "iap_lot" AS l '
        'WHERE l."account_id" = "iap_account"."id" AND NOT l."empty" '
        'AND l."expires_at" IS NOT NULL)'
    )
    entry_columns = {c.name for c in database.get_columns("iap_entry")}
    if "held_after" in entry_columns:
        database.execute_sql(
            'UPDATE "iap_entry" SET "available_after" = "available_after" + "held_after", '
            "\"amount\" = CASE \"kind\" WHEN 'hold' THEN 0 WHEN 'release' THEN 0 "
            'WHEN \'capture\' THEN -"spent" ELSE "amount" END'
        )
        database.execute_sql('ALTER TABLE "iap_entry" DROP COLUMN "held_after"')
    if "available_after" in entry_columns:
        database.execute_sql(
            'ALTER TABLE "iap_entry" RENAME COLUMN "available_after" TO "balance_after"'
        )
    for name in (
        "iap_lot_spendable",
        "iap_hold_account_id_state_expires_at",
        "iap_hold_reference",
        "iap_entry_hold_id",
    ):
        database.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    database.execute_sql(
        'CREATE INDEX IF NOT EXISTS "iap_lot_spendable" ON "iap_lot" '
        '("account_id", ("expires_at" IS NULL), "expires_at", "free" DESC, "id") '
        'WHERE NOT "empty"'
    )
    database.execute_sql(
        'CREATE INDEX IF NOT EXISTS "iap_hold_live" ON "iap_hold" ("account_id", "expires_at") '
        "WHERE (\"state\" = 'held')"
    )


def _live_holds_without_index(migrator, database):
    """Version 4: live holds are read from their account's ``live_from`` up
    along the holds' primary key, not from an index every hold and capture
    wrote (the ``iap_hold_live`` index goes). ``live_from`` starts at the
    first live hold of the account, or past the last hold when none is live."""
    if "live_from" not in {c.name for c in database.get_columns("iap_account")}:
        database.execute_sql(
            'ALTER TABLE "iap_account" ADD COLUMN "live_from" BIGINT NOT NULL DEFAULT 0'
        )
    database.execute_sql(
        'UPDATE "iap_account" SET "live_from" = COALESCE('
        '(SELECT MIN(h."id") FROM "iap_hold" AS h '
        'WHERE h."account_id" = "iap_account"."id" AND h."state" = \'held\'), '
        '(SELECT MAX(h."id") + 1 FROM "iap_hold" AS h), 0)'
    )
    database.execute_sql('DROP INDEX IF EXISTS "iap_hold_live"')


def _lots_drawn_on_the_account(migrator, database):
    """Version 5: a capture covered by the lot the account draws from counts
    it on the account (``draw_lot``, ``draw_room``, ``draw_free``) and
    writes no lot. No lot is drawn from yet: the next capture of each account
    takes from the lots and names it."""
    columns = {c.name for c in database.get_columns("iap_account")}
    boolean = "BOOLEAN" if isinstance(database, peewee.PostgresqlDatabase) else "INTEGER"
    for name, kind in (
        ("draw_lot", "BIGINT"),
        ("draw_room", 'BIGINT NOT NULL DEFAULT 0 CHECK ("draw_room" >= 0)'),
        ("draw_free", f"{boolean} NOT NULL DEFAULT FALSE"),
    ):
        if name not in columns:
            database.execute_sql(f'ALTER TABLE "iap_account" ADD COLUMN "{name}" {kind}')


MIGRATIONS = [
    Migration(1, "orders remember whether to save the card", _orders_remember_saving),
    Migration(2, "lots read in spending order; no duplicate indexes", _lots_in_spending_order),
    Migration(3, "a hold writes no journal entry and takes no lot", _holds_without_lots),
    Migration(4, "live holds found from the account, without an index", _live_holds_without_index),
    Migration(
        5, "captures count what they take from the lot drawn from", _lots_drawn_on_the_account
    ),
]
