"""Code run in child processes by the snailmail concurrency tests (spawned, so
each child builds its own app and database connections)."""

from __future__ import annotations


def _app(database_url: str):
    from host import create_app

    return create_app(
        {
            "TESTING": True,
            # The tests' app's key: provider secrets are encrypted with a key derived from it.
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "HOST_JOBS_IMMEDIATE": True,
            "HOST_LOAD_ENTRY_POINTS": False,
            "HOST_BUILTIN_ADDONS": ("addons.iap.plugin", "addons.snailmail.plugin"),
            "IAP_EDITION": "community",
            "SNAILMAIL_PINGEN_VALIDATION_WAIT": 2,
        }
    )


def send_then_die(database_url: str, letter_id: int) -> None:
    """Hands the letter to the shop, then dies (SIGKILL) before the capture."""
    import os
    import signal

    from addons.snailmail import sending
    from addons.snailmail.providers.pingen import PingenShop

    submit = PingenShop.submit

    def submit_then_die(self, letter):
        submit(self, letter)
        os.kill(os.getpid(), signal.SIGKILL)

    PingenShop.submit = submit_then_die
    with _app(database_url).app_context():
        sending.send(letter_id)


def send_all(database_url: str, letter_ids: list[int], results) -> None:
    """Sends (and retries) the same letters as the other processes do."""
    from addons.snailmail import sending

    errors = []
    with _app(database_url).app_context():
        for _ in range(2):
            for letter_id in letter_ids:
                try:
                    sending.send(letter_id)
                except Exception as exc:  # reported, so the test says what went wrong
                    errors.append(repr(exc))
    results.put(errors)
