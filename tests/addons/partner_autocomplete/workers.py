"""Code run in child processes by the concurrency test (spawned, so each
child builds its own app and connections)."""

from __future__ import annotations

import time


def choose_company(database_url: str, company_id: int, start_at: float, results) -> None:
    """Pay for a company's data, as a user choosing it in the dropdown does."""
    from addons.partner_autocomplete import purchases
    from addons.partner_autocomplete.models import Company
    from host import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": database_url,
            "HOST_JOBS_IMMEDIATE": True,
            "HOST_LOAD_ENTRY_POINTS": False,
            "IAP_EDITION": "community",
            "HOST_BUILTIN_ADDONS": ("addons.iap.plugin", "addons.partner_autocomplete.plugin"),
        }
    )
    # How long a request waits for another one paying for the same company
    # is a wall-clock limit: on a machine shared with other suites the
    # payer may be starved of CPU for longer than a request should wait,
    # and the waiting children would fail with PurchaseBusy. What is
    # tested is who pays, not how fast.
    purchases.WAIT_SECONDS = 300
    with app.app_context():
        company = Company.get_by_id(company_id)
        time.sleep(max(start_at - time.time(), 0))
        try:
            results.put(("charged" if purchases.buy(company) else "cached", ""))
        except Exception as exc:  # reported, so the test says what went wrong
            results.put(("error", repr(exc)))
