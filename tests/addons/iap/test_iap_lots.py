"""Lots read in draw-down order from their index, and iap migration 2
(migration 3 is in test_iap_migration_3)."""

import datetime as dt

from addons.iap import balance, charge, ledger
from addons.iap.models import Entry, Hold, Lot
from addons.iap.statements import FIRST_LOTS, SPENDABLE_LOTS, TAKE_FROM_FIRST_LOT
from host import db, is_postgres, utcnow


def test_a_hold_spanning_more_than_the_first_lots_reads_them_all(widget):
    lots = [ledger.grant("widget", 1, kind="promotion", reason=f"lot {i}") for i in range(20)]
    with charge("widget", FIRST_LOTS + 3):
        pass
    left = [Lot.get_by_id(lot.id).remaining for lot in lots]
    assert left == [0] * (FIRST_LOTS + 3) + [1] * (20 - FIRST_LOTS - 3)  # oldest first
    assert balance("widget") == 20 - FIRST_LOTS - 3
    assert ledger.verify() == []


def test_expired_lots_in_front_are_skipped_then_swept(widget):
    past = utcnow() - dt.timedelta(minutes=1)
    for i in range(FIRST_LOTS + 2):  # more expired lots than one read returns
        ledger.grant("widget", 1, kind="trial", reason=f"old {i}", expires_at=past)
    paid = ledger.grant("widget", 5, kind="purchase", free=False, reason="pack")
    assert balance("widget") == 5
    with charge("widget", 2):
        pass
    assert Lot.get_by_id(paid.id).remaining == 3
    assert balance("widget") == 3
    # The hold saw a lot past its date (the account's next_expiry) and swept first.
    assert Entry.select().where(Entry.kind == "expiry").count() == FIRST_LOTS + 2
    assert ledger.expire_lots() == 0
    assert ledger.verify() == []


def test_the_spendable_lots_are_read_from_their_index(widget):
    for i in range(50):
        ledger.grant("widget", 1, reason=f"lot {i}")
    account = ledger.account_for("widget")
    params = {"account": account.id, "part": 1}
    for statement in (SPENDABLE_LOTS, TAKE_FROM_FIRST_LOT):
        if is_postgres():
            db.execute_sql("SET enable_seqscan = off")  # a tiny table: force the choice of index
            try:
                rows = db.execute_sql("EXPLAIN " + statement.sql(), params)
                plan = " ".join(r[0] for r in rows)
            finally:
                db.execute_sql("RESET enable_seqscan")
            assert "iap_lot_spendable" in plan and "Sort" not in plan
        else:
            rows = db.execute_sql("EXPLAIN QUERY PLAN " + statement.sql(), params).fetchall()
            plan = " ".join(str(r[-1]) for r in rows)
            assert "iap_lot_spendable" in plan and "TEMP B-TREE" not in plan


def test_iap_migration_2_from_version_1(app, widget):
    from addons.iap.migrations import MIGRATIONS
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    soon = utcnow() + dt.timedelta(days=3)
    ledger.grant("widget", 5, kind="purchase", free=False, reason="pack")
    ledger.grant("widget", 2, kind="trial", reason="trial", expires_at=soon)
    # The schema as iap 1 left it.
    db.execute_sql('DROP INDEX "iap_lot_spendable"')
    db.execute_sql('DROP INDEX "iap_entry_lot_id"')
    db.execute_sql('CREATE INDEX "iap_entry_lot_id" ON "iap_entry" (lot_id)')
    db.execute_sql(
        'CREATE INDEX "iap_lot_account_id_remaining" ON "iap_lot" (account_id, remaining)'
    )
    db.execute_sql('CREATE INDEX "iap_hold_account_id" ON "iap_hold" (account_id)')
    db.execute_sql('CREATE INDEX "iap_entry_account_id" ON "iap_entry" (account_id)')
    AddonSchema.update(version=1).where(AddonSchema.addon == "iap").execute()
    restarted = rebuild(
        app,
        HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"],
        HOST_EXTRA_ADDONS=app.config["HOST_EXTRA_ADDONS"],
    )
    try:
        with restarted.app_context():
            assert AddonSchema.get(AddonSchema.addon == "iap").version == MIGRATIONS[-1].version
            indexes = {
                i.name for t in ("iap_lot", "iap_hold", "iap_entry") for i in db.get_indexes(t)
            }
            assert "iap_lot_spendable" in indexes
            # Partial now: a journal entry without a lot is not in it.
            lot_index = next(i for i in db.get_indexes("iap_entry") if i.name == "iap_entry_lot_id")
            assert "NOT NULL" in lot_index.sql.upper()
            gone = {
                "iap_lot_account_id_remaining",
                "iap_hold_account_id",
                "iap_entry_account_id",
                "iap_entry_account_id_kind",
            }
            assert not indexes & gone
            with charge("widget", 3):
                pass
            # The trial (expiring) first, then the pack.
            assert [lot.remaining for lot in Lot.select().order_by(Lot.id)] == [4, 0]
            assert ledger.verify() == []
    finally:
        close_app(restarted)


def test_a_lot_expiring_under_a_live_hold_pays_for_its_capture(widget, iap_clock):
    """A hold placed before a lot's date may still take from it: the sweep
    expires only what the live holds cannot take."""
    soon = utcnow() + dt.timedelta(seconds=60)
    trial = ledger.grant("widget", 4, kind="trial", reason="trial", expires_at=soon)
    paid = ledger.grant("widget", 10, kind="purchase", free=False, reason="pack")
    first = ledger.hold("widget", 3)
    second = ledger.hold("widget", 2)
    iap_clock.advance(120)  # the trial is past its date, the holds still live
    assert balance("widget") == 9  # 14 - 5 held; the trial's 4 are all held
    assert ledger.expire_lots() == 0  # the live holds may take all of it
    ledger.capture(first.id)
    assert Lot.get_by_id(trial.id).remaining == 1
    ledger.release(second.id)
    # Nothing holds the trial's last credit now: it no longer counts, then expires.
    assert balance("widget") == 10
    assert ledger.expire_lots() == 1
    assert (Lot.get_by_id(trial.id).remaining, Lot.get_by_id(paid.id).remaining) == (0, 10)
    assert Entry.get(Entry.kind == "expiry").amount == -1
    with charge("widget", 10):
        pass
    assert balance("widget") == 0
    assert ledger.verify() == []


def test_a_hold_after_a_lot_expired_cannot_use_it(widget, iap_clock):
    ledger.grant("widget", 4, kind="trial", reason="trial", expires_at=utcnow())
    ledger.grant("widget", 1, kind="purchase", free=False, reason="pack")
    iap_clock.advance(1)
    from addons.iap import InsufficientCreditError

    try:
        with charge("widget", 2):
            raise AssertionError("the body ran")
    except InsufficientCreditError as error:
        assert error.available == 1
    with charge("widget", 1):
        pass
    assert balance("widget") == 0
    assert ledger.verify() == []


def test_captures_count_on_the_account_what_they_draw_from_its_first_lot(widget):
    """A capture that the lot drawn from covers writes the account's row
    alone; whatever changes the lots writes the count back first, so the
    lots, refunds and the draw-down order stay what they were."""
    from addons.iap.audit import lot_credits
    from addons.iap.models import Account

    def account():
        return Account.get(Account.service == "widget")

    paid = ledger.grant("widget", 10, kind="purchase", free=False, reason="pack")
    with charge("widget", 2):  # the first capture takes the long way, then names the lot
        pass
    assert (account().draw_lot, account().draw_room) == (paid.id, 8)
    with charge("widget", 3, reference="job:2"):
        pass
    assert Lot.get_by_id(paid.id).remaining == 8  # its row waits
    assert lot_credits(paid.id) == 5 and account().draw_room == 5
    assert balance("widget") == 5
    assert ledger.verify() == []

    # A free lot comes first in draw-down order: the count goes back to the lot.
    promo = ledger.grant("widget", 2, kind="promotion", reason="gift")
    assert account().draw_lot is None and Lot.get_by_id(paid.id).remaining == 5
    with charge("widget", 3):
        pass
    assert (lot_credits(promo.id), lot_credits(paid.id)) == (0, 4)
    assert Entry.select().order_by(Entry.id.desc()).first().free_spent == 2
    assert account().draw_lot == paid.id

    # A refund gives back to the lot its capture took from.
    hold = Hold.get(Hold.reference == "job:2")
    ledger.refund(hold.id, reason="undone")
    assert lot_credits(paid.id) == 7 and account().draw_lot is None
    # A capture the lot drawn from does not cover (it would empty it) takes the long way.
    with charge("widget", 1):
        pass
    with charge("widget", 6):
        pass
    assert (lot_credits(paid.id), Lot.get_by_id(paid.id).empty) == (0, True)
    assert account().draw_lot is None and balance("widget") == 0
    assert ledger.verify() == []


def test_verify_finds_a_lot_drawn_from_out_of_order(widget):
    from addons.iap.models import Account

    ledger.grant("widget", 2, kind="promotion", reason="gift")
    paid = ledger.grant("widget", 10, kind="purchase", free=False, reason="pack")
    with charge("widget", 1):
        pass
    Account.update(draw_lot=paid.id, draw_room=10).where(Account.service == "widget").execute()
    assert "lot drawn from (id, free, covered)" in {p.what for p in ledger.verify()}
