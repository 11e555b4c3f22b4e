"""Background work of the snailmail addon: sending, retries and the outbox's simulated progress."""

from __future__ import annotations

from addons.snailmail import retries, sending, tracking
from addons.snailmail.models import Letter
from addons.snailmail.providers import outbox
from host import crontab, job


@job(name="snailmail.send_letter")
def send_letter(letter_id: int) -> str:
    """Hand one queued letter to the print shop."""
    return sending.send(letter_id).state


@job(periodic=crontab(minute="*/5"), name="snailmail.retry_letters")
def retry_letters() -> dict:
    """Every five minutes: letters whose error may be fixed, and lost pending ones."""
    result = retries.retry_errors()
    result["pending"] = retries.send_pending()
    return result


@job(periodic=crontab(minute="*"), name="snailmail.take_up_lost")
def take_up_lost() -> int:
    """Every minute: letters whose worker died while handing them over."""
    return retries.take_up_lost()


outbox_step = outbox.outbox_step  # declared beside the outbox, which schedules it


@job(periodic=crontab(minute="*"), name="snailmail.outbox_sweep")
def outbox_sweep() -> int:
    """Moves on the outbox letters whose scheduled step was lost (a worker restarted)."""
    import datetime as dt

    from flask import current_app

    from host import utcnow

    delay = float(current_app.config.get("SNAILMAIL_OUTBOX_STEP_DELAY", 5))
    due = utcnow() - dt.timedelta(seconds=max(delay, 0) + 30)
    stale = Letter.select(Letter.id, Letter.shop_state).where(
        (Letter.provider == "outbox")
        & (Letter.state == "sent")
        & (Letter.shop_state != "delivered")
        & (Letter.shop_updated_at <= due)
    )
    moved = 0
    for letter in list(stale):
        step = outbox.next_step(letter.shop_state)
        if step:
            moved += tracking.advance(letter.id, step)
    return moved
