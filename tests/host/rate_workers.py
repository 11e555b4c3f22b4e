"""Code run in child processes by the rate limit's multi-process test (spawned,
so each child builds its own app and connections, as a gunicorn worker does)."""

from __future__ import annotations

import time

from host import public_endpoint

LIMIT = 25


@public_endpoint(auth="token", rate_limit=f"{LIMIT}/hour", description="rate limit probe")
def probe():
    return "", 204


def call_probe(database_url: str, jobs_path: str, calls: int, start_at: float, results) -> None:
    """Call the probe ``calls`` times from one address; report the status codes."""
    from host import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": database_url,
            "HOST_JOBS_IMMEDIATE": True,
            "HOST_JOBS_PATH": jobs_path,
            "HOST_LOAD_ENTRY_POINTS": False,
            "HOST_BUILTIN_ADDONS": (),
        }
    )
    app.add_url_rule("/rate/probe", "rate_probe", probe, methods=["POST"])
    client = app.test_client()
    time.sleep(max(start_at - time.time(), 0))
    try:
        codes = [
            client.post("/rate/probe", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
            for _ in range(calls)
        ]
        results.put(codes)
    except Exception as exc:  # reported, so the test says what went wrong
        results.put(repr(exc))
