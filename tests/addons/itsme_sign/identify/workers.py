"""Code run in child processes by the itsme concurrency test (spawned: each
child builds its own app and database connections)."""

from __future__ import annotations


def follow_callback(config: dict, cookie: tuple[str, str], path: str, results) -> None:
    """The signer's browser hitting itsme's redirect back, from another process."""
    from host import create_app

    app = create_app(config)
    with app.app_context():
        client = app.test_client()
        client.set_cookie(cookie[0], cookie[1])
        try:
            answer = client.get(path)
            results.put((answer.status_code, answer.headers.get("Location", "")))
        except Exception as exc:  # reported, so the test says what went wrong
            results.put((0, repr(exc)))
