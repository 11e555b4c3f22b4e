"""Idempotency keys of ``charge()``, one process (several: test_iap_concurrency)."""

from decimal import Decimal

import pytest

from addons.iap import (
    ChargeInProgressError,
    IdempotencyConflict,
    InsufficientCreditError,
    balance,
    charge,
    grant,
    ledger,
)
from addons.iap.models import Entry, Hold


def test_a_captured_key_replays_the_same_amounts_and_spends_nothing(widget):
    grant("widget", 10, reason="gift")
    with charge("widget", 3, idempotency_key="job-1") as tx:
        assert not tx.replayed
        tx.credit = 2
    entries = Entry.select().count()
    with charge("widget", 3, idempotency_key="job-1") as again:
        assert again.replayed
        assert (again.held, again.credit, again.hold_id) == (3, 2, tx.hold_id)
    assert balance("widget") == 8
    assert Entry.select().count() == entries  # nothing journaled
    assert Hold.select().count() == 1


def test_a_replay_does_not_need_the_credits_again(widget):
    grant("widget", 3, reason="gift")
    with charge("widget", 3, idempotency_key="job-2"):
        pass
    with charge("widget", 3, idempotency_key="job-2") as tx:
        assert tx.replayed and tx.credit == 3


def test_after_a_failure_the_key_runs_the_work_afresh(widget):
    grant("widget", 10, reason="gift")
    with pytest.raises(RuntimeError), charge("widget", 4, idempotency_key="job-3"):
        raise RuntimeError("gateway down")
    assert balance("widget") == 10
    ran = []
    with charge("widget", 4, idempotency_key="job-3") as tx:
        assert not tx.replayed  # the work was never done: do it
        ran.append(True)
    assert ran == [True] and balance("widget") == 6
    with charge("widget", 4, idempotency_key="job-3") as tx:
        assert tx.replayed
    assert balance("widget") == 6
    assert [h.state for h in Hold.select().order_by(Hold.id)] == ["released", "captured"]
    assert ledger.verify() == []


def test_after_an_expiry_the_key_is_free_again(app, widget, iap_clock):
    grant("widget", 10, reason="gift")
    first = ledger.hold("widget", 4, idempotency_key="job-4")
    iap_clock.advance(app.config["IAP_HOLD_TTL"] + 1)  # its process died; the TTL passed
    with charge("widget", 4, idempotency_key="job-4") as tx:
        assert not tx.replayed and tx.hold_id != first.id
    assert Hold.get_by_id(first.id).state == "expired"
    assert balance("widget") == 6
    assert ledger.verify() == []


def test_a_key_in_progress_is_not_run_twice(widget):
    grant("widget", 10, reason="gift")
    inner = []
    with charge("widget", 2, idempotency_key="job-5"):
        with pytest.raises(ChargeInProgressError, match="job-5.*still in progress") as info:
            with charge("widget", 2, idempotency_key="job-5", wait=0.05):
                inner.append(True)
        assert info.value.key == "job-5"
    assert inner == []
    assert balance("widget") == 8


def test_a_key_with_another_amount_service_or_reference_is_an_error(widget):
    grant("widget", 10, reason="gift")
    with charge("widget", 2, reference="a", idempotency_key="job-6"):
        pass
    with pytest.raises(IdempotencyConflict, match="different charge"):
        with charge("widget", 3, reference="a", idempotency_key="job-6"):
            pass
    with pytest.raises(IdempotencyConflict):
        with charge("widget", 2, reference="b", idempotency_key="job-6"):
            pass
    with pytest.raises(IdempotencyConflict):
        ledger.hold("other", 2, reference="a", idempotency_key="job-6")
    grant("widget", 1, reason="x", idempotency_key="grant-1")
    with pytest.raises(IdempotencyConflict, match="different grant"):
        with charge("widget", 1, idempotency_key="grant-1"):
            pass
    assert balance("widget") == 9


def test_a_refused_key_stays_free(widget):
    with pytest.raises(InsufficientCreditError):
        with charge("widget", 2, idempotency_key="job-7"):
            pass
    grant("widget", 2, reason="bought")
    with charge("widget", 2, idempotency_key="job-7") as tx:
        assert not tx.replayed
    assert balance("widget") == 0


def test_a_free_use_holds_and_journals_nothing_but_runs_on_capture(widget):
    from host import Setting

    ran = []
    with charge("widget", 0, description="free") as tx:
        assert tx.hold_id is None and tx.credit == 0 and not tx.replayed
        tx.on_capture(lambda: Setting.write("widget.free", "done"))
        ran.append(True)
    assert ran == [True]
    assert Setting.read("widget.free") == "done"
    assert Entry.select().count() == 0 and Hold.select().count() == 0
    with pytest.raises(KeyError), charge("widget", Decimal("0.000")) as tx:
        tx.on_capture(lambda: Setting.write("widget.free", "again"))
        raise KeyError("failed")
    assert Setting.read("widget.free") == "done"  # a failed body runs no callback
