"""Letters taken up again: the periodic retry of fixable errors, and letters
whose worker died while handing them over."""

from __future__ import annotations

import datetime as dt
import json

from flask import current_app

from addons.snailmail import config, sending, tracking
from addons.snailmail.errors import (
    CREDIT_ERROR,
    MISSING_REQUIRED_FIELDS,
    RETRYABLE,
    TRIAL_ERROR,
    UNKNOWN_ERROR,
)
from addons.snailmail.models import Letter
from host import db, utcnow


def _address_changed(letter: Letter) -> bool:
    return sending.current_address(letter) != json.loads(letter.address or "{}")


def retry_errors(limit: int = 200) -> dict:
    """Send again the letters whose error may be gone (credits bought, address
    fixed, the shop back), oldest first; stops at the first credit error,
    since the next ones would meet it too. Each letter commits on its own."""
    sent = failed = 0
    stopped = False
    now = utcnow()
    candidates = (
        Letter.select(
            Letter.id,
            Letter.error_code,
            Letter.contact,
            Letter.address,
            Letter.unknown_errors,
            Letter.updated_at,
        )
        .where((Letter.state == "error") & Letter.error_code.in_(RETRYABLE))
        .order_by(Letter.id)
        .limit(limit)
    )
    for letter in list(candidates):
        if letter.error_code == MISSING_REQUIRED_FIELDS and not _address_changed(letter):
            continue  # nothing changed: it would fail the same way
        if letter.error_code == UNKNOWN_ERROR and not _due(letter, now):
            continue
        if not sending.requeue([letter.id]):
            continue
        result = sending.send(letter.id)
        if result.state == "sent":
            sent += 1
        else:
            failed += 1
            if result.error_code in (CREDIT_ERROR, TRIAL_ERROR):
                stopped = True
                break
    return {"sent": sent, "failed": failed, "stopped_at_credit_error": stopped}


def _due(letter: Letter, now: dt.datetime) -> bool:
    """A letter the print shop failed to take: retried after a wait that
    doubles each time, and no more once it failed SNAILMAIL_UNKNOWN_RETRIES
    retries (its message says so; a person's Retry starts afresh)."""
    if letter.unknown_errors > config.unknown_retries():
        return False
    wait = dt.timedelta(seconds=config.retry_wait(letter.unknown_errors))
    return letter.updated_at + wait <= now


def send_pending(limit: int = 200) -> int:
    """Pending letters whose job was lost (a queue flushed, a crash before it ran)."""
    stale = utcnow() - dt.timedelta(minutes=2)
    pending = (
        Letter.select(Letter.id)
        .where((Letter.state == "pending") & (Letter.updated_at <= stale))
        .order_by(Letter.id)
        .limit(limit)
    )
    return sum(sending.send(row.id).state == "sent" for row in list(pending))


def take_up_lost() -> int:
    """Letters left ``sending`` by a worker that died: back to ``pending``
    (under the same ``uid``, so the shop does not post them twice; the old
    hold has expired by then, so they are charged once), then sent."""
    after = float(current_app.config.get("SNAILMAIL_STALE_AFTER", 900))
    stale = utcnow() - dt.timedelta(seconds=after)
    ids = [
        row.id
        for row in Letter.select(Letter.id).where(
            (Letter.state == "sending") & (Letter.claimed_at <= stale)
        )
    ]
    taken = 0
    for letter_id in ids:
        with db.atomic():
            changed = (
                Letter.update(state="pending", updated_at=utcnow())
                .where(
                    (Letter.id == letter_id)
                    & (Letter.state == "sending")
                    & (Letter.claimed_at <= stale)
                )
                .execute()
            )
            if changed:
                tracking.follow(Letter.get_by_id(letter_id))
        if changed:
            sending.send(letter_id)
            taken += 1
    return taken
