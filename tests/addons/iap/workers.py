"""Code run in child processes by the concurrency tests (spawned, so each
child builds its own app and connections)."""

from __future__ import annotations

import os
import random
import time


def build_app(database_url: str, **config):
    from host import create_app
    from tests.addons.iap.service_kit import WidgetAddon

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": database_url,
            "HOST_JOBS_IMMEDIATE": True,
            "HOST_LOAD_ENTRY_POINTS": False,
            "HOST_BUILTIN_ADDONS": ("addons.iap.plugin",),
            "HOST_EXTRA_ADDONS": [WidgetAddon(trial=config.pop("trial", 0))],
            **config,
        }
    )


def charge_many(database_url: str, count: int, seed: int, results) -> None:
    """Try ``count`` charges; report (successes, credits captured, refusals)."""
    from decimal import Decimal

    from addons.iap import InsufficientCreditError, charge

    app = build_app(database_url)
    rng = random.Random(seed)
    ok, captured, refused = 0, Decimal(0), 0
    with app.app_context():
        for i in range(count):
            amount = Decimal(rng.choice(["1", "2", "0.5", "3.25"]))
            try:
                with charge("widget", amount, reference=f"{seed}:{i}") as tx:
                    if rng.random() < 0.1:
                        raise RuntimeError("work failed")
                    if rng.random() < 0.3:
                        tx.credit = amount / 2
                ok += 1
                captured += tx.credit
            except InsufficientCreditError:
                refused += 1
            except RuntimeError:
                pass
    results.put((ok, str(captured), refused))


def hold_and_wait(database_url: str, ready_path: str) -> None:
    """Hold credits, tell the parent, then hang until killed."""
    from addons.iap import charge

    app = build_app(database_url)
    with app.app_context(), charge("widget", 4, reference="killed"):
        with open(ready_path, "w") as flag:
            flag.write(str(os.getpid()))
        time.sleep(120)


def claim_trial(database_url: str, results) -> None:
    from addons.iap import InsufficientCreditError, charge

    app = build_app(database_url, IAP_EDITION="demo", trial=5)
    with app.app_context():
        try:
            with charge("widget", 1):
                pass
        except InsufficientCreditError:
            results.put("refused")
            return
    results.put("ok")


def charge_with_key(database_url: str, key: str, work_log: str, fail_first, barrier, results):
    """``charge("widget", 2, idempotency_key=key)`` started together with the
    other processes; the work appends a line to ``work_log`` and takes 0.3 s
    (the first work fails when ``fail_first``). Reports what this caller saw."""
    from addons.iap import ChargeInProgressError, charge

    app = build_app(database_url)
    with app.app_context():
        barrier.wait(timeout=120)
        try:
            with charge("widget", 2, reference="unit", idempotency_key=key) as tx:
                if not tx.replayed:
                    with open(work_log, "a") as log:
                        first = log.tell() == 0
                        log.write(f"{os.getpid()}\n")
                    time.sleep(0.3)
                    if fail_first and first:
                        raise RuntimeError("work failed")
            results.put(("replayed" if tx.replayed else "done", str(tx.credit)))
        except RuntimeError:
            results.put(("failed", "0"))
        except ChargeInProgressError:
            results.put(("in progress", "0"))


def hold_key_for(database_url: str, key: str, ready_path: str, seconds: float) -> None:
    """Charge with ``key``, tell the parent, work ``seconds``, capture."""
    from addons.iap import charge

    app = build_app(database_url)
    with app.app_context(), charge("widget", 2, idempotency_key=key):
        with open(ready_path, "w") as flag:
            flag.write(str(os.getpid()))
        time.sleep(seconds)
