"""Several processes against one account: no credit lost or double-spent."""

import multiprocessing
import os
import signal
import time
from decimal import Decimal

import pytest

from addons.iap import balance, grant, ledger
from addons.iap.models import Entry, Hold, Lot
from tests.addons.iap import workers

pytestmark = pytest.mark.slow
SPAWN = multiprocessing.get_context("spawn")


def wait_for_file(path, seconds=60):
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), "the child never got that far"


def run_all(target, args_list, timeout=240):
    queue = SPAWN.Queue()
    procs = [SPAWN.Process(target=target, args=(*args, queue)) for args in args_list]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=timeout) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    return results


def test_eight_processes_never_overspend(app, widget, database_url):
    grant("widget", 400, reason="starting balance")
    app.extensions["host_db"].close()
    results = run_all(workers.charge_many, [(database_url, 200, seed) for seed in range(8)])
    successes = sum(r[0] for r in results)
    captured = sum(Decimal(r[1]) for r in results)
    refused = sum(r[2] for r in results)
    assert refused > 0, "the account must run short for the test to mean anything"
    assert balance("widget") == Decimal(400) - captured
    assert balance("widget") >= 0
    holds = Hold.select().where(Hold.state == "captured")
    assert holds.count() == successes  # every success captured once
    assert sum(h.captured for h in holds) == captured
    assert Hold.select().where(Hold.state == "held").count() == 0
    assert sum(e.spent for e in Entry.select().where(Entry.kind == "capture")) == captured
    assert ledger.verify() == []


def test_killed_process_loses_no_credit(app, widget, database_url, tmp_path, iap_clock):
    grant("widget", 10, reason="starting balance")
    app.extensions["host_db"].close()
    ready = tmp_path / "ready"
    proc = SPAWN.Process(target=workers.hold_and_wait, args=(database_url, str(ready)))
    proc.start()
    wait_for_file(ready)
    assert Hold.get(Hold.reference == "killed").state == "held"
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=10)
    assert proc.exitcode == -signal.SIGKILL
    iap_clock.advance(901)  # past the hold TTL (IAP_HOLD_TTL, 900 s)
    assert balance("widget") == 10  # expired holds no longer count
    assert ledger.expire_holds() == 1
    assert Hold.get(Hold.reference == "killed").state == "expired"
    assert ledger.verify() == []


def test_concurrent_first_uses_grant_trial_once(app, widget, database_url):
    app.extensions["host_db"].close()
    results = run_all(workers.claim_trial, [(database_url,) for _ in range(6)])
    assert sorted(results) == ["ok"] * 5 + ["refused"]
    assert Lot.select().where(Lot.kind == "trial").count() == 1
    assert balance("widget") == 0
    assert Hold.select().where(Hold.state == "captured").count() == 5
    assert ledger.verify() == []


def _same_key_at_once(app, database_url, tmp_path, fail_first):
    grant("widget", 10, reason="starting balance")
    app.extensions["host_db"].close()
    work = tmp_path / "work.log"
    barrier = SPAWN.Barrier(8)
    args = [(database_url, "unit-1", str(work), fail_first, barrier) for _ in range(8)]
    results = run_all(workers.charge_with_key, args)
    return sorted(kind for kind, _ in results), work.read_text().split(), results


def test_eight_processes_with_one_key_do_the_work_once(app, widget, database_url, tmp_path):
    kinds, work, results = _same_key_at_once(app, database_url, tmp_path, fail_first=False)
    assert len(work) == 1  # one process did the work; the others waited for it
    assert kinds == ["done"] + ["replayed"] * 7
    assert {credit for _, credit in results} == {"2.000000"}  # the replays see its amount
    assert balance("widget") == 8  # charged once
    assert [h.state for h in Hold.select()] == ["captured"]
    assert ledger.verify() == []


def test_a_failed_holder_hands_the_key_to_a_waiting_process(app, widget, database_url, tmp_path):
    kinds, work, _ = _same_key_at_once(app, database_url, tmp_path, fail_first=True)
    assert len(work) == 2  # the failed work, then one retry by a waiter
    assert kinds == ["done", "failed"] + ["replayed"] * 6
    assert balance("widget") == 8  # the work that succeeded was charged, once
    assert sorted(h.state for h in Hold.select()) == ["captured", "released"]
    assert ledger.verify() == []


def test_a_key_in_progress_elsewhere_times_out_then_replays(app, widget, database_url, tmp_path):
    from addons.iap import ChargeInProgressError, charge

    grant("widget", 10, reason="starting balance")
    app.extensions["host_db"].close()
    ready = tmp_path / "ready"
    proc = SPAWN.Process(
        target=workers.hold_key_for, args=(database_url, "unit-2", str(ready), 3.0)
    )
    proc.start()
    wait_for_file(ready)
    ran = []
    with pytest.raises(ChargeInProgressError, match="unit-2"):
        with charge("widget", 2, idempotency_key="unit-2", wait=0.3):
            ran.append(True)
    assert ran == []
    with charge("widget", 2, idempotency_key="unit-2", wait=30) as tx:
        assert tx.replayed  # waited for the other process's capture
    proc.join(timeout=30)
    assert proc.exitcode == 0
    assert balance("widget") == 8
    assert ledger.verify() == []
