"""Code run in child processes by the concurrency test (spawned, so each child
builds its own app and connections)."""

from __future__ import annotations

import time


def run_request(database_url: str, request_id: int, start_at: float, results) -> None:
    """Run one mining request, as a worker of the job queue does."""
    from addons.lead_generation import mining
    from host import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": database_url,
            "HOST_JOBS_IMMEDIATE": True,
            "HOST_LOAD_ENTRY_POINTS": False,
            "IAP_EDITION": "community",
            "HOST_BUILTIN_ADDONS": ("addons.iap.plugin", "addons.lead_generation.plugin"),
        }
    )
    with app.app_context():
        time.sleep(max(start_at - time.time(), 0))
        try:
            results.put((request_id, mining.run(request_id)))
        except Exception as exc:  # reported, so the test says what went wrong
            results.put((request_id, repr(exc)))
