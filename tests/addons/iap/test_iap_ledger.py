"""The ledger's rules, one process."""

import datetime as dt
from decimal import Decimal

import pytest

from addons.iap import (
    HoldClosedError,
    IdempotencyConflict,
    InsufficientCreditError,
    balance,
    charge,
    grant,
    ledger,
)
from addons.iap.models import Account, Entry, Hold, Lot
from host import db, utcnow


def spent_journal(service="widget"):
    return [
        (e.kind, e.amount)
        for e in Entry.select().join(Account).where(Account.service == service).order_by(Entry.id)
    ]


def test_charge_captures_what_the_body_sets(widget):
    grant("widget", 10, reason="gift")
    with charge("widget", 3, description="three widgets", reference="w:1") as tx:
        assert balance("widget") == 7  # held while the body runs
        assert not db.in_transaction()
        tx.credit = 2
    assert balance("widget") == 8
    hold = Hold.get(Hold.reference == "w:1")
    assert (hold.state, hold.captured) == ("captured", 2)
    assert ledger.verify() == []


def test_a_kept_account_id_that_is_not_the_services_never_charges_it(widget):
    # Each process keeps the id of each service's account, a hint the hold
    # checks on the row: one naming another account (another database's)
    # sends the hold the long way, which charges the service's own.
    grant("widget", 10, reason="gift")
    other = ledger.grant("elsewhere", 10, reason="another account").account_id
    ledger._kept_accounts["widget"] = (other, False)
    with charge("widget", 3):
        pass
    assert balance("widget") == 7
    assert ledger.available("elsewhere") == 10
    assert ledger._kept_accounts["widget"][0] == Account.get(Account.service == "widget").id
    assert ledger.verify() == []


def test_insufficient_credit_never_runs_the_body(widget):
    grant("widget", 2, reason="gift")
    ran = []
    with pytest.raises(InsufficientCreditError) as info:
        with charge("widget", 5):
            ran.append(True)
    assert ran == []
    error = info.value
    assert (error.service, error.required, error.available) == ("widget", 5, 2)
    assert error.buy_url.endswith("/iap/buy/widget")
    assert balance("widget") == 2


def test_exception_in_body_releases_and_reraises(widget):
    grant("widget", 5, reason="gift")
    with pytest.raises(KeyError):
        with charge("widget", 4):
            raise KeyError("gateway down")
    assert balance("widget") == 5
    # A hold writes no entry; its release owns nothing less: an entry of 0.
    assert spent_journal() == [("promotion", 5), ("release", 0)]
    assert ledger.verify() == []


def test_capturing_more_than_held_raises(widget):
    grant("widget", 5, reason="gift")
    with pytest.raises(ValueError, match="only 2.000000 was held"):
        with charge("widget", 2) as tx:
            tx.credit = 3
    assert balance("widget") == 5
    held = ledger.hold("widget", 2)
    with pytest.raises(ValueError, match="only"):
        ledger.capture(held.id, 3)
    ledger.release(held.id)
    assert ledger.verify() == []


def test_closed_and_expired_holds_cannot_be_captured(widget):
    grant("widget", 5, reason="gift")
    held = ledger.hold("widget", 1)
    ledger.release(held.id)
    with pytest.raises(HoldClosedError, match="released"):
        ledger.capture(held.id)
    late = ledger.hold("widget", 1, ttl=dt.timedelta(seconds=-1))
    assert balance("widget") == 5  # an expired hold no longer counts
    with pytest.raises(HoldClosedError, match="expired"):
        ledger.capture(late.id)
    assert ledger.expire_holds() == 1
    assert Hold.get_by_id(late.id).state == "expired"
    assert balance("widget") == 5
    assert ledger.verify() == []


def test_live_holds_are_read_from_their_accounts_live_from(widget, iap_clock):
    """No index of live holds: each account reads its own from ``live_from``
    up, which a capture leaving nothing held and the sweeper move forward,
    and ``verify`` finds a live hold left below it."""
    from addons.iap.audit import LiveHold, journal_page

    def live_from(service):
        return Account.get(Account.service == service).live_from

    grant("widget", 10, reason="gift")
    ledger.grant("other", 10, reason="gift")
    short = ledger.hold("widget", 1, ttl=dt.timedelta(minutes=1))
    long = ledger.hold("widget", 2, ttl=dt.timedelta(hours=2))
    for _ in range(3):
        other = ledger.hold("other", 1)
        ledger.capture(other.id, held=other)
    # Nothing left held on "other": its next hold is newer than its last.
    assert live_from("other") == other.id + 1
    assert live_from("widget") <= short.id

    iap_clock.advance(120)
    assert ledger.expire_holds() == 1
    assert Hold.get_by_id(short.id).state == "expired"
    assert live_from("widget") == long.id  # the first hold still live
    assert balance("widget") == 8
    rows, _ = journal_page(Account.get(Account.service == "widget").id, "", 1, 25)
    assert isinstance(rows[0].entry, LiveHold) and rows[0].entry.amount == -2
    assert ledger.verify() == []

    ledger.capture(long.id, held=long)
    assert live_from("widget") == long.id + 1
    assert balance("widget") == 8
    assert ledger.verify() == []

    # A live hold below live_from would never expire: verify says so.
    stray = ledger.hold("widget", 1)
    Account.update(live_from=stray.id + 1).where(Account.service == "widget").execute()
    assert [p.what for p in ledger.verify()] == [
        f"held credits of the holds from {stray.id + 1} up"
    ]


def test_charge_refuses_to_run_inside_a_transaction(widget):
    grant("widget", 5, reason="gift")
    with db.atomic(), pytest.raises(RuntimeError, match="inside a database transaction"):
        with charge("widget", 1):
            pass


def test_float_and_bad_amounts_are_refused(widget):
    with pytest.raises(TypeError, match="floats"):
        with charge("widget", 0.5):
            pass
    with pytest.raises(ValueError):
        grant("widget", "-3", reason="x")
    with pytest.raises(ValueError, match="reason"):
        grant("widget", 3, reason=" ")


def test_lots_are_drawn_soonest_expiry_then_free_then_oldest(widget):
    now = utcnow()
    paid = ledger.grant("widget", 5, kind="purchase", free=False, reason="pack")
    promo = ledger.grant("widget", 5, kind="promotion", free=True, reason="promo")
    soon = ledger.grant(
        "widget",
        2,
        kind="promotion",
        free=True,
        reason="soon",
        expires_at=now + dt.timedelta(days=1),
    )
    with charge("widget", 8):
        pass
    remaining = {lot.id: lot.remaining for lot in Lot.select()}
    assert remaining[soon.id] == 0  # expiring first
    assert remaining[promo.id] == 0  # free before paid
    assert remaining[paid.id] == 4  # paid last
    capture = Entry.get(Entry.kind == "capture")
    assert (capture.spent, capture.free_spent) == (8, 7)


def test_partial_capture_gives_back_to_the_last_drawn_lots(widget):
    free = ledger.grant("widget", 2, kind="promotion", free=True, reason="promo")
    paid = ledger.grant("widget", 10, kind="purchase", free=False, reason="pack")
    with charge("widget", 6) as tx:
        tx.credit = 3
    assert Lot.get_by_id(free.id).remaining == 0
    assert Lot.get_by_id(paid.id).remaining == 9
    assert Entry.get(Entry.kind == "capture").free_spent == 2
    assert ledger.verify() == []


def test_refund_returns_credits_to_their_lots(widget):
    free = ledger.grant("widget", 2, kind="promotion", free=True, reason="promo")
    paid = ledger.grant("widget", 10, kind="purchase", free=False, reason="pack")
    with charge("widget", 5, reference="job:1"):
        pass
    hold = Hold.get(Hold.reference == "job:1")
    ledger.refund(hold.id, 2, reason="customer complaint")
    assert Lot.get_by_id(paid.id).remaining == 9
    assert balance("widget") == 9
    with pytest.raises(ValueError, match="only 3.000000 is left"):
        ledger.refund(hold.id, 4, reason="again")
    ledger.refund(hold.id, reason="the rest")
    assert Lot.get_by_id(free.id).remaining == 2
    assert balance("widget") == 12
    refunds = Entry.select().where(Entry.kind == "refund")
    assert sum(e.spent for e in refunds) == -5
    assert sum(e.free_spent for e in refunds) == -2
    assert ledger.verify() == []


def test_expired_lots_leave_the_balance_with_a_journal_entry(widget):
    ledger.grant(
        "widget",
        4,
        kind="trial",
        free=True,
        reason="trial",
        expires_at=utcnow() - dt.timedelta(seconds=1),
    )
    ledger.grant("widget", 1, kind="purchase", free=False, reason="pack")
    assert balance("widget") == 1
    with pytest.raises(InsufficientCreditError):
        with charge("widget", 2):
            pass
    expiry = Entry.get(Entry.kind == "expiry")
    assert expiry.amount == -4 and expiry.balance_after == 1
    assert Account.get(Account.service == "widget").available == 1
    assert ledger.verify() == []


def test_idempotency_keys_replay_the_first_result(widget):
    first = grant("widget", 5, reason="promo", idempotency_key="promo-1")
    again = grant("widget", 5, reason="promo", idempotency_key="promo-1")
    assert first.id == again.id and balance("widget") == 5
    with pytest.raises(IdempotencyConflict):
        grant("widget", 6, reason="promo", idempotency_key="promo-1")
    with charge("widget", 2, idempotency_key="job-9") as tx:
        assert not tx.replayed
    with charge("widget", 2, idempotency_key="job-9") as tx:
        assert tx.replayed  # the work was done and paid for already
    assert balance("widget") == 3
    assert Hold.select().count() == 1
    with pytest.raises(IdempotencyConflict):
        with charge("widget", 3, idempotency_key="job-9"):
            pass


def test_verify_finds_a_tampered_balance(widget):
    grant("widget", 5, reason="gift")
    Account.update(available=Decimal("6")).execute()
    problems = ledger.verify()
    assert any(
        p.what == "balance (available + held)" and p.found == 6 and p.expected == 5
        for p in problems
    )


def test_journal_records_the_balance_after_each_movement(widget):
    grant("widget", 5, reason="gift")
    with charge("widget", 2):
        with charge("widget", 1) as tx:
            tx.credit = 0
    rows = [(e.kind, e.amount, e.spent, e.balance_after) for e in Entry.select().order_by(Entry.id)]
    # The balance is what is owned: the holds changed nothing, the captures did.
    assert rows == [("promotion", 5, 0, 5), ("capture", 0, 0, 5), ("capture", -2, 2, 3)]


def test_verify_checks_the_journal_entry_by_entry(widget):
    grant("widget", 5, reason="gift")
    with charge("widget", 2):
        pass
    grant("widget", 1, reason="more")
    assert ledger.verify() == []
    # An entry whose balance after does not follow from the one before it,
    # though the totals still agree.
    middle = Entry.select().order_by(Entry.id)[1]
    Entry.update(balance_after=Entry.balance_after + 1).where(Entry.id == middle.id).execute()
    problems = ledger.verify()
    assert [(p.what, p.expected, p.found) for p in problems] == [
        (f"balance after entry {middle.id}", 3, 4)
    ]


def test_verify_finds_lots_that_disagree_with_the_account(widget):
    lot = grant("widget", 5, reason="gift")
    Lot.update(remaining=0).where(Lot.id == lot.id).execute()
    whats = {p.what for p in ledger.verify()}
    assert whats == {"sum of lots", "lots marked empty wrongly"}


def test_database_refuses_a_negative_balance(widget):
    grant("widget", 1, reason="gift")
    import peewee

    with pytest.raises(peewee.IntegrityError):
        Account.update(available=Account.available - Decimal(2)).execute()


def test_trial_credits_are_granted_once_for_eligible_editions(app, widget):
    app.config["IAP_EDITION"] = "enterprise"
    app.config["IAP_SUBSCRIPTION_EXPIRES"] = "2999-12-31"
    from tests.addons.iap.service_kit import WidgetAddon

    app.extensions["host"].addons["widget"].plugin.trial = Decimal(3)
    try:
        with charge("widget", 1):
            pass
        with charge("widget", 1):
            pass
        trials = list(Lot.select().where(Lot.kind == "trial"))
        assert len(trials) == 1 and trials[0].free and trials[0].expires_at is not None
        assert balance("widget") == 1
    finally:
        app.extensions["host"].addons["widget"].plugin.trial = WidgetAddon().trial


def test_trial_only_tells_a_used_up_trial_from_a_plain_shortfall(app, widget):
    from addons.iap import trial_only
    from tests.addons.iap.service_kit import WidgetAddon

    app.extensions["host"].addons["widget"].plugin.trial = Decimal(2)
    try:
        assert not trial_only("widget")  # no trial (community edition), nothing bought
        with pytest.raises(InsufficientCreditError) as plain, charge("widget", 1):
            pass
        assert plain.value.trial_only is False and plain.value.as_dict()["trial_only"] is False
        app.config["IAP_EDITION"] = "demo"
        balance("widget")  # looking at the account opens the trial
        assert trial_only("widget")
        with pytest.raises(InsufficientCreditError) as used_up, charge("widget", 3):
            pass
        assert used_up.value.trial_only is True
        grant("widget", 5, reason="a gift is free too")
        assert trial_only("widget")
        ledger.grant("widget", 10, kind="purchase", free=False, reason="Standard Pack")
        assert not trial_only("widget")
    finally:
        app.extensions["host"].addons["widget"].plugin.trial = WidgetAddon().trial


@pytest.mark.parametrize(
    "edition, expires, eligible",
    [
        ("community", None, False),
        ("demo", None, True),
        ("enterprise", None, False),
        ("enterprise", "2000-01-01", False),
        ("enterprise", "2999-01-01", True),
        ("educational", None, True),
    ],
)
def test_trial_eligibility_by_edition(edition, expires, eligible):
    from addons.iap.editions import trial_eligible

    assert trial_eligible({"IAP_EDITION": edition, "IAP_SUBSCRIPTION_EXPIRES": expires}) is eligible


def test_unknown_edition_is_a_clear_error():
    from addons.iap.editions import trial_eligible

    with pytest.raises(ValueError, match="IAP_EDITION 'gold' is not one of"):
        trial_eligible({"IAP_EDITION": "gold"})


def test_unknown_service_cannot_be_charged(widget):
    from addons.iap import UnknownServiceError

    with pytest.raises(UnknownServiceError, match="no credit service 'nope'"):
        with charge("nope", 1):
            pass


def test_refund_retries_with_the_same_key_refund_once(widget):
    grant("widget", 10, reason="gift")
    with charge("widget", 4, reference="job:r"):
        pass
    hold = Hold.get(Hold.reference == "job:r")
    first = ledger.refund(hold.id, 1, reason="late", idempotency_key="refund-1")
    again = ledger.refund(hold.id, 1, reason="late", idempotency_key="refund-1")
    assert first.id == again.id
    assert balance("widget") == 7
    with pytest.raises(IdempotencyConflict):
        ledger.refund(hold.id, 2, reason="late", idempotency_key="refund-1")


def test_on_capture_commits_with_the_capture(widget):
    from host import Setting

    grant("widget", 5, reason="gift")
    with charge("widget", 2) as tx:
        tx.on_capture(lambda: Setting.write("widget.done", "yes"))
        assert Setting.read("widget.done") == ""  # not before the capture
    assert Setting.read("widget.done") == "yes"
    assert balance("widget") == 3


def test_failing_on_capture_captures_nothing(widget):
    from host import Setting

    grant("widget", 5, reason="gift")

    def bookkeeping():
        Setting.write("widget.done", "half")
        raise RuntimeError("bookkeeping failed")

    with pytest.raises(RuntimeError, match="bookkeeping failed"), charge("widget", 2) as tx:
        tx.on_capture(bookkeeping)
    assert Setting.read("widget.done") == ""  # rolled back with the capture
    assert balance("widget") == 5
    assert Hold.get().state == "released"
    assert ledger.verify() == []


def test_services_are_what_the_iap_services_hook_declares(app, widget):
    from addons.iap.hookspecs import IapHooks
    from addons.iap.services import get_service

    declared = app.extensions["host"].facade(IapHooks).iap_services()
    assert [s.key for s in declared] == ["widget"]
    assert get_service("widget").name == "Widgets"


def test_services_gathered_while_a_hook_raised_are_not_kept(app, widget):
    """The services are kept per app, but not an answer an addon's failure
    left short: the next use asks the hooks again."""
    from addons.iap import UnknownServiceError, services_changed
    from addons.iap.services import get_service

    addon = app.config["HOST_EXTRA_ADDONS"][0]
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("price list unreachable")
        return type(addon)._services(addon)

    addon._services = flaky
    addon._built = None
    services_changed()
    with pytest.raises(UnknownServiceError):
        get_service("widget")
    assert get_service("widget").name == "Widgets"  # asked again, not the short answer
    assert get_service("widget").name == "Widgets"
    assert len(calls) == 2  # the good answer is kept


def _in_another_process(app, sql: str) -> None:
    """Plain SQL on a connection of its own (not through the registry), as
    another process or an admin's script would send it."""
    from host.testing import on_another_connection

    on_another_connection(app, lambda: db.execute_sql(sql))


def _new_job():
    from host.request_cache import context_cache

    context_cache().clear()


def test_an_addon_disabled_in_another_process_stops_its_next_charge(app, widget):
    """The charge looks its service up in the addons the process kept and its
    hold checks the database's counter of their changes: a disable made
    elsewhere stops the very next charge, before its body, nothing held."""
    from addons.iap import UnknownServiceError

    grant("widget", 10, reason="gift")
    with charge("widget", 1):
        pass
    _new_job()
    _in_another_process(app, "UPDATE host_addon_state SET enabled = FALSE WHERE name = 'widget'")
    ran = []
    with pytest.raises(UnknownServiceError, match="'widget'"):
        with charge("widget", 1):
            ran.append(1)
    assert ran == []
    assert ledger.available("widget") == Decimal(9)
    assert Hold.select().where(Hold.state == "held").count() == 0

    _in_another_process(app, "UPDATE host_addon_state SET enabled = TRUE WHERE name = 'widget'")
    _new_job()
    with charge("widget", 1):
        pass
    assert ledger.available("widget") == Decimal(8)
    assert ledger.verify() == []


def test_an_addon_disabled_in_another_process_stops_a_charge_with_a_key(app, widget):
    from addons.iap import UnknownServiceError

    grant("widget", 10, reason="gift")
    with charge("widget", 1, idempotency_key="k1"):
        pass
    _in_another_process(app, "UPDATE host_addon_state SET enabled = FALSE WHERE name = 'widget'")
    _new_job()
    with pytest.raises(UnknownServiceError):
        with charge("widget", 1, idempotency_key="k2"):
            pass
    assert ledger.available("widget") == Decimal(9)


def test_a_new_account_reads_its_live_holds_from_past_the_others(widget, iap_clock):
    """An account opened in a database with holds starts ``live_from`` past
    them, not at 0 (which made its sweeps read every hold there is); its
    own holds still expire and are swept, and ``verify`` agrees."""
    ledger.grant("other", 10, reason="gift")
    for _ in range(3):
        other = ledger.hold("other", 1)
        ledger.capture(other.id, held=other)
    grant("widget", 3, reason="gift")
    account = Account.get(Account.service == "widget")
    assert account.live_from == other.id + 1

    first = ledger.hold("widget", 2, ttl=dt.timedelta(minutes=1))
    assert first.id >= account.live_from
    iap_clock.advance(120)
    # Not enough while the stale hold counts: the refusal's sweep finds it.
    with charge("widget", 3) as tx:
        assert tx.held == 3
    assert Hold.get_by_id(first.id).state == "expired"
    assert balance("widget") == 0
    assert ledger.verify() == []
