"""Code run in child processes by the rate limit's multi-process test (spawned,
so each child builds its own app and connections, as a gunicorn worker does)."""

from __future__ import annotations

import time

from host import public_endpoint

LIMIT = 25


@public_endpoint(auth="token", rate_limit=f"{LIMIT}/hour", description="rate limit probe")
def probe():
    return "", 204


def call_probe(
    database_url: str, jobs_path: str, calls: int, start_at: float, results, extra=None
) -> None:
    """Call the probe ``calls`` times from one address; report the status codes.
    ``extra`` is more configuration (``REDIS_URL``…)."""
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
            **(extra or {}),
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


def call_at_once(database_url: str, tmp_path, extra=None) -> list[int]:
    """Three processes (three gunicorn workers) call the probe 20 times each
    from one address at the same moment, within one window of the hourly
    limit; the status codes of all of them."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    start_at = time.time() + 5  # after every child has built its app
    if start_at % 3600 > 3540:
        start_at += 3600 - start_at % 3600 + 1
    children = [
        spawn.Process(
            target=call_probe,
            args=(database_url, str(tmp_path / f"jobs{n}.db"), 20, start_at, results, extra),
        )
        for n in range(3)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert all(isinstance(codes, list) for codes in outcomes), outcomes
    return [code for codes in outcomes for code in codes]
