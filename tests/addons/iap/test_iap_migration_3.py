"""iap migration 3, from version 2 with data: a hold that wrote a journal
entry and reserved lots becomes one that did neither."""

import datetime as dt

from playhouse.migrate import SchemaMigrator

from addons.iap import ledger
from addons.iap.audit import journal_page
from addons.iap.migrations import MIGRATIONS
from addons.iap.models import Account, Entry, Hold, HoldLot, Lot
from host import db, is_postgres, sql_named, utcnow
from host.migrations import AddonSchema

M = 10**6  # credits as stored


def _as_version_2():
    """Turn the tables back into what iap 2 left (columns and indexes)."""
    migrator = SchemaMigrator.from_database(db.obj)
    db.execute_sql('DROP INDEX "iap_lot_spendable"')
    for column in ("draw_lot", "draw_room", "draw_free"):  # iap 5
        migrator.drop_column("iap_account", column).run()
    migrator.drop_column("iap_account", "live_from").run()  # iap 4
    migrator.drop_column("iap_account", "next_expiry").run()
    migrator.drop_column("iap_lot", "empty").run()
    if not is_postgres():
        # SQLite cannot drop a column with a foreign key: the table is rebuilt.
        migrator.drop_column("iap_hold", "lot_id", legacy=True).run()
    else:
        migrator.drop_column("iap_hold", "lot_id").run()
    migrator.rename_column("iap_entry", "balance_after", "available_after").run()
    db.execute_sql('ALTER TABLE "iap_entry" ADD COLUMN "held_after" BIGINT NOT NULL DEFAULT 0')
    db.execute_sql('CREATE INDEX "iap_entry_hold_id" ON "iap_entry" ("hold_id")')
    db.execute_sql(
        'CREATE INDEX "iap_hold_account_id_state_expires_at" ON "iap_hold" '
        '("account_id", "state", "expires_at")'
    )
    db.execute_sql('CREATE INDEX "iap_hold_reference" ON "iap_hold" ("reference")')
    db.execute_sql(
        'CREATE INDEX "iap_lot_spendable" ON "iap_lot" '
        '("account_id", ("expires_at" IS NULL), "expires_at", "free" DESC, "id") '
        'WHERE ("remaining" > 0)'
    )


def _insert(table: str, **values) -> int:
    names = ", ".join(f'"{k}"' for k in values)
    marks = ", ".join(f":{k}" for k in values)
    db.execute_sql(*sql_named(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values))
    return db.execute_sql(f'SELECT MAX("id") FROM "{table}"').fetchone()[0]


def _iap_2_data(account: int, now: dt.datetime) -> dict:
    """What iap 2's ledger wrote for: 10 paid credits; 4 free ones expiring in
    3 days; a charge of 3 captured for 2 (from the free lot); a charge of 5
    still running (reserving the 2 free left, then 3 paid); a charge of 1
    canceled."""
    soon = now + dt.timedelta(days=3)
    lot = dict(account_id=account, reason="", created_at=now, order_id=None)
    paid = _insert("iap_lot", kind="purchase", free=False, amount=10 * M, remaining=7 * M,
                   expires_at=None, **lot)  # fmt: skip
    promo = _insert("iap_lot", kind="promotion", free=True, amount=4 * M, remaining=0,
                    expires_at=soon, **lot)  # fmt: skip
    hold = dict(account_id=account, description="", reference=None, created_at=now,
                expires_at=now + dt.timedelta(minutes=15), refunded=0)  # fmt: skip
    done = _insert(
        "iap_hold", amount=3 * M, captured=2 * M, state="captured", closed_at=now, **hold
    )
    live = _insert("iap_hold", amount=5 * M, captured=0, state="held", closed_at=None, **hold)
    gone = _insert("iap_hold", amount=1 * M, captured=0, state="released", closed_at=now, **hold)
    for hold_id, lot_id, amount, free, rank in (
        (done, promo, 2 * M, True, 0),
        (live, promo, 2 * M, True, 0),
        (live, paid, 3 * M, False, 1),
        (gone, paid, 0, False, 0),
    ):
        _insert("iap_hold_lot", hold_id=hold_id, lot_id=lot_id, amount=amount, free=free, rank=rank)
    # kind, amount (of the available), spent, free spent, available after, held after, hold, lot
    for kind, amount, spent, free, available, held, hold_id, lot_id in (
        ("purchase", 10, 0, 0, 10, 0, None, paid),
        ("promotion", 4, 0, 0, 14, 0, None, promo),
        ("hold", -3, 0, 0, 11, 3, done, None),
        ("capture", 1, 2, 2, 12, 0, done, None),
        ("hold", -5, 0, 0, 7, 5, live, None),
        ("hold", -1, 0, 0, 6, 6, gone, None),
        ("release", 1, 0, 0, 7, 5, gone, None),
    ):
        _insert("iap_entry", account_id=account, kind=kind, amount=amount * M, spent=spent * M,
                free_spent=free * M, available_after=available * M, held_after=held * M,
                hold_id=hold_id, lot_id=lot_id, description=kind, reference=None,
                created_at=now)  # fmt: skip
    db.execute_sql(
        *sql_named(
            'UPDATE "iap_account" SET "available" = :a, "held" = :h WHERE "id" = :id',
            {"a": 7 * M, "h": 5 * M, "id": account},
        )
    )
    return {"paid": paid, "promo": promo, "done": done, "live": live, "soon": soon}


def test_iap_migration_3_from_version_2_with_data(app, widget):
    from tests.host.addon_kit import close_app, rebuild

    account = ledger.account_for("widget").id
    _as_version_2()
    ids = _iap_2_data(account, utcnow())
    AddonSchema.update(version=2).where(AddonSchema.addon == "iap").execute()
    restarted = rebuild(
        app,
        HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"],
        HOST_EXTRA_ADDONS=app.config["HOST_EXTRA_ADDONS"],
    )
    try:
        with restarted.app_context():
            assert AddonSchema.get(AddonSchema.addon == "iap").version == MIGRATIONS[-1].version
            indexes = {
                i.name: i for t in ("iap_lot", "iap_hold", "iap_entry") for i in db.get_indexes(t)
            }
            assert "EMPTY" in indexes["iap_lot_spendable"].sql.upper()
            # iap 4: no index of live holds; they are read from the account's live_from.
            assert "iap_hold_live" not in indexes
            gone = {
                "iap_entry_hold_id",
                "iap_hold_reference",
                "iap_hold_account_id_state_expires_at",
            }
            assert not gone & set(indexes)
            assert "held_after" not in {c.name for c in db.get_columns("iap_entry")}

            # The running charge's reservation is back in its lots.
            lots = {lot.id: lot for lot in Lot.select()}
            assert (lots[ids["paid"]].remaining, lots[ids["promo"]].remaining) == (10, 2)
            assert not lots[ids["promo"]].empty
            assert not HoldLot.select().where(HoldLot.hold == ids["live"]).exists()
            widget_account = Account.get_by_id(account)
            assert (widget_account.available, widget_account.held) == (7, 5)
            assert widget_account.next_expiry == ids["soon"]
            assert widget_account.live_from == ids["live"]
            # The journal restated in credits owned, each entry following the last.
            rows = [(e.kind, e.amount, e.balance_after) for e in Entry.select().order_by(Entry.id)]
            assert rows == [
                ("purchase", 10, 10),
                ("promotion", 4, 14),
                ("hold", 0, 14),
                ("capture", -2, 12),
                ("hold", 0, 12),
                ("hold", 0, 12),
                ("release", 0, 12),
            ]
            assert ledger.verify() == []
            page, total = journal_page(account, "", 1, 25)
            assert [r.entry.kind for r in page] == [
                "hold",
                "release",
                "capture",
                "promotion",
                "purchase",
            ]
            assert total == 5

            # The running charge captures from the lots now: the free ones first.
            ledger.capture(ids["live"])
            assert Entry.select().order_by(Entry.id.desc()).first().free_spent == 2
            assert [Lot.get_by_id(i).remaining for i in (ids["paid"], ids["promo"])] == [7, 0]
            # The old capture refunds to the lot it came from.
            ledger.refund(ids["done"], 1, reason="undone")
            assert Lot.get_by_id(ids["promo"]).remaining == 1
            assert ledger.available("widget") == 8
            assert ledger.verify() == []
            assert Hold.get_by_id(ids["live"]).state == "captured"
    finally:
        close_app(restarted)
