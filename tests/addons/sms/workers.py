"""Code run in child processes by the sms concurrency test (spawned, so each
child builds its own app and connections)."""

from __future__ import annotations


def _app(database_url: str):
    from host import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": database_url,
            "HOST_JOBS_IMMEDIATE": True,
            "HOST_LOAD_ENTRY_POINTS": False,
            "HOST_BUILTIN_ADDONS": ("addons.iap.plugin", "addons.sms.plugin"),
            "SMS_OUTBOX_DELIVERY_DELAY": 0,
        }
    )


def validate_again(database_url: str, ids: list[int], rounds: int, results) -> None:
    """Validate the same contacts' numbers and resync the shipped prices, over
    and over, as composer pages and contact saves in several processes do."""
    from addons.sms import contact_numbers, pricing
    from addons.sms.models import SmsDefaultPrice

    app = _app(database_url)
    errors = []
    with app.app_context():
        for _ in range(rounds):
            try:
                contact_numbers.remember(ids, company="BE")
                SmsDefaultPrice.delete().where(SmsDefaultPrice.country == "BE").execute()
                pricing.sync_default_prices()
            except Exception as exc:  # reported, so the test says what went wrong
                errors.append(repr(exc))
    results.put(errors)


def _client(database_url: str, email: str):
    """A test client logged in as ``email``, in a pushed app context."""
    from host.models import User
    from host.testing import HostClient, log_in

    app = _app(database_url)
    app.test_client_class = HostClient
    app.app_context().push()
    return log_in(app.test_client(), User.get(User.email == email))


def text_each(database_url: str, email: str, ids: list[int], results) -> None:
    """Open each contact's composer and send it an SMS, as a user does,
    while another process deletes the same contacts: ``(id, GET, POST)``."""
    import re

    client = _client(database_url, email)
    answers, errors = [], []
    for contact_id in ids:
        try:
            url = f"/sms/compose/{contact_id}/mobile"
            page = client.get(url)
            if page.status_code != 200:
                answers.append((contact_id, page.status_code, None))
                continue
            token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True))
            sent = client.post(
                url,
                data={"body": "Hello", "token": token.group(1)},
                headers={"X-Requested-With": "fetch"},
            )
            answers.append((contact_id, 200, sent.status_code))
        except Exception as exc:  # reported, so the test says what went wrong
            errors.append(f"{contact_id}: {exc!r}")
    results.put(("text", answers, errors))


def delete_each(database_url: str, email: str, ids: list[int], results) -> None:
    """Delete each contact from its form: ``(id, status, where it led)``."""
    client = _client(database_url, email)
    answers, errors = [], []
    for contact_id in ids:
        try:
            answer = client.post(f"/contacts/{contact_id}/delete")
            answers.append((contact_id, answer.status_code, answer.headers.get("Location", "")))
        except Exception as exc:
            errors.append(f"{contact_id}: {exc!r}")
    results.put(("delete", answers, errors))
