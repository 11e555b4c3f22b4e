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

    app = build_app(database_url, IAP_HOLD_TTL=1)
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
