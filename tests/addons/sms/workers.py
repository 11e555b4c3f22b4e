"""Code run in child processes by the sms concurrency test (spawned, so each
child builds its own app and connections)."""

from __future__ import annotations


def validate_again(database_url: str, ids: list[int], rounds: int, results) -> None:
    """Validate the same contacts' numbers and resync the shipped prices, over
    and over, as composer pages and contact saves in several processes do."""
    from addons.sms import contact_numbers, pricing
    from addons.sms.models import SmsDefaultPrice
    from host import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": database_url,
            "HOST_JOBS_IMMEDIATE": True,
            "HOST_LOAD_ENTRY_POINTS": False,
            "HOST_BUILTIN_ADDONS": ("addons.iap.plugin", "addons.sms.plugin"),
        }
    )
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
