"""Code run in child processes by the signing concurrency test (spawned: each
child builds its own app and database connections)."""

from __future__ import annotations


def submit_signature(config: dict, link: str, barrier, results) -> None:
    """A signer's Sign, posted from another process at the same moment as the others."""
    from host import create_app

    app = create_app(config)
    with app.app_context():
        client = app.test_client()
        client.get(link)  # the app and its connections warmed up before the race
        barrier.wait(timeout=120)
        try:
            answer = client.post(link + "/sign", data={"kind": "typed", "typed": "Jan Peeters"})
            results.put(answer.status_code)
        except Exception as exc:  # reported, so the test says what went wrong
            results.put(repr(exc))
