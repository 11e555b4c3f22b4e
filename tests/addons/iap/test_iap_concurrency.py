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


def test_killed_process_loses_no_credit(app, widget, database_url, tmp_path):
    grant("widget", 10, reason="starting balance")
    app.extensions["host_db"].close()
    ready = tmp_path / "ready"
    proc = SPAWN.Process(target=workers.hold_and_wait, args=(database_url, str(ready)))
    proc.start()
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the child never held its credits"
    assert Hold.get(Hold.reference == "killed").state == "held"
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=10)
    assert proc.exitcode == -signal.SIGKILL
    time.sleep(1.1)  # the child's hold TTL
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
