"""Low-credit alerts: one email when a capture crosses the threshold.

The ``alert_armed`` flag is flipped with a conditional update, so concurrent
captures send one email between them; it re-arms when the balance rises
above the threshold again.
"""

from __future__ import annotations

from flask import current_app

from addons.iap.models import Account
from addons.iap.services import buy_url, get_service
from host import send_mail


def after_spend(account: Account) -> bool:
    """Called after a capture with the account's new counters. Returns True
    when an alert was sent."""
    if not account.alert_enabled or account.alert_threshold is None or not account.alert_email:
        return False
    fired = (
        Account.update(alert_armed=False)
        .where(
            (Account.id == account.id)
            & Account.alert_armed
            & (Account.available <= account.alert_threshold)
        )
        .execute()
    )
    if fired != 1:
        return False
    fresh = Account.get_by_id(account.id)
    send_low_credit_mail(fresh)
    return True


def after_credit(account_id: int) -> None:
    """Re-arm the alert once the balance is above the threshold again."""
    Account.update(alert_armed=True).where(
        (Account.id == account_id)
        & ~Account.alert_armed
        & Account.alert_threshold.is_null(False)
        & (Account.available > Account.alert_threshold)
    ).execute()


def send_low_credit_mail(account: Account) -> None:
    try:
        name = get_service(account.service).name
    except LookupError:
        name = account.service
    link = buy_url(account.service)
    if link.startswith("/"):
        link = current_app.config["HOST_BASE_URL"].rstrip("/") + link
    body = (
        f"Hello,\n\nYour {name} credits are running low.\n\n"
        f"Balance: {account.available.normalize():f} credits\n"
        f"Warning threshold: {account.alert_threshold.normalize():f} credits\n\n"
        f"Buy more credits: {link}\n\n"
        "You receive this email because a threshold warning is set on this account. "
        "You will not be warned again until the balance rises above the threshold.\n"
    )
    send_mail(account.alert_email, f"{name}: low credit balance", body)
