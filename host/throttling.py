"""Slowing down password guessing, without letting a guesser lock anyone out.

Every login attempt first *reserves* a row (email, source address), and only
then looks at the other rows and checks the password: concurrent guesses see
each other's reservations, so a burst cannot slip past the count.

Failures for one email from one address earn growing delays: the first
:data:`FREE_ATTEMPTS` are free, then each one waits twice as long as the one
before, up to the window. Someone guessing from elsewhere therefore never
locks the real owner out (a hard per-email lock let anyone lock the admin out
for ever). One address trying many emails is stopped after
:data:`MAX_PER_ADDRESS` failures per window.

Kept in the database, so every web process sees the same count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from host.db import utcnow
from host.models import LoginFailure

WINDOW_MINUTES = 15
FREE_ATTEMPTS = 5
MAX_PER_ADDRESS = 50


@dataclass(frozen=True)
class Attempt:
    """A reserved login attempt; ``wait`` > 0 means it was refused for that many seconds."""

    id: int | None
    email: str
    address: str
    wait: int = 0


def _since() -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=WINDOW_MINUTES)


def delay(failures: int) -> int:
    """Seconds to wait after ``failures`` recent failures for one email from one address."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(2 ** (failures - FREE_ATTEMPTS), WINDOW_MINUTES * 60)


def reserve(email: str, address: str) -> Attempt:
    """Reserve an attempt before the password is checked.

    The row is written (and committed) first and the others counted after, so
    of two racing attempts at least one sees the other: never more than
    :data:`FREE_ATTEMPTS` passwords are checked in a burst.
    """
    address = address[:64]
    now = utcnow()
    row = LoginFailure.create(email=email, address=address, created_at=now)
    since = _since()
    others = LoginFailure.select().where(
        (LoginFailure.created_at > since) & (LoginFailure.id != row.id)
    )
    wait = 0
    if email:
        pair = others.where((LoginFailure.email == email) & (LoginFailure.address == address))
        failures = pair.count()
        if failures >= FREE_ATTEMPTS:
            latest = pair.order_by(LoginFailure.created_at.desc()).first()
            ready = latest.created_at + dt.timedelta(seconds=delay(failures))
            wait = max(wait, _seconds(ready - now))
    if address:
        mine = others.where(LoginFailure.address == address)
        if mine.count() >= MAX_PER_ADDRESS:
            oldest = mine.order_by(LoginFailure.created_at).first()
            wait = max(wait, _seconds(oldest.created_at - since))
    if wait:
        # A refused attempt checks no password, so it does not count: the
        # delay grows with the guesses actually tried.
        LoginFailure.delete().where(LoginFailure.id == row.id).execute()
        return Attempt(None, email, address, wait)
    # Old rows are of no use: the table stays small without a cleanup job.
    LoginFailure.delete().where(LoginFailure.created_at < since).execute()
    return Attempt(row.id, email, address)


def _seconds(span: dt.timedelta) -> int:
    return max(0, int(-(-span.total_seconds() // 1)))


def succeeded(attempt: Attempt) -> None:
    """The password was right: forget this email's failures from this address
    only, so a successful login elsewhere does not reset a guesser's delay."""
    LoginFailure.delete().where(
        (LoginFailure.email == attempt.email) & (LoginFailure.address == attempt.address)
    ).execute()


def wait_message(seconds: int) -> str:
    if seconds < 120:
        amount = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = -(-seconds // 60)
        amount = f"{minutes} minutes"
    return (
        f"Too many failed attempts. Try again in {amount}, "
        "or ask an administrator to reset your password."
    )
