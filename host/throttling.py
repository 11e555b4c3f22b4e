"""Slowing down password guessing: after too many failed logins for one email
or from one address within a window, logins are refused for a while.

Kept in the database, so every web process sees the same count.
"""

from __future__ import annotations

import datetime as dt

from host.db import utcnow
from host.models import LoginFailure

WINDOW_MINUTES = 15
# Per email: a person mistyping; per address: one machine trying many emails.
MAX_PER_EMAIL = 10
MAX_PER_ADDRESS = 50


def _since() -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=WINDOW_MINUTES)


def locked_out(email: str, address: str) -> bool:
    since = _since()
    recent = LoginFailure.select().where(LoginFailure.created_at > since)
    if email and recent.where(LoginFailure.email == email).count() >= MAX_PER_EMAIL:
        return True
    return bool(address) and (
        recent.where(LoginFailure.address == address).count() >= MAX_PER_ADDRESS
    )


def record(email: str, address: str) -> None:
    LoginFailure.create(email=email, address=address[:64])
    # Old rows are of no use: the table stays small without a cleanup job.
    LoginFailure.delete().where(LoginFailure.created_at < _since()).execute()


def forget(email: str) -> None:
    LoginFailure.delete().where(LoginFailure.email == email).execute()
