"""Background work of the sms addon: mass SMS, and the outbox's delivery reports."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from addons.sms import batch_job, config, recovery, sending
from addons.sms.models import SmsMessage
from host import crontab, job, utcnow

send_batch = batch_job.send_batch  # declared beside the work, so batches and recovery queue it


@job(name="sms.outbox_deliver")
def outbox_deliver(message_id: int) -> bool:
    """The outbox's simulated delivery report for one message."""
    return sending.advance(message_id, "delivered")


@job(name="sms.outbox_deliver_many")
def outbox_deliver_many(message_ids: list[int]) -> None:
    """The outbox's delivery reports for a mass SMS chunk (returns nothing, so
    the queue keeps no result)."""
    sending.advance_many(list(message_ids), "delivered")


@job(periodic=crontab(minute="*"), name="sms.take_up_lost_work")
def take_up_lost_work() -> dict:
    """Every minute: take up the mass SMS whose job died with its worker, and
    fail the single SMS whose process died while handing them over."""
    return {"batches": recovery.resume_batches(), "singles": recovery.fail_lost_singles()}


@job(periodic=crontab(minute="*"), name="sms.outbox_sweep")
def outbox_sweep() -> int:
    """Report delivered the outbox messages whose scheduled report was lost
    (a worker restarted); runs every minute, while the outbox is the active
    gateway (a message's state is not indexed once sent: this reads the table)."""
    if config.get("gateway") != "outbox":
        return 0
    delay = current_app.config.get("SMS_OUTBOX_DELIVERY_DELAY", 3)
    due = utcnow() - dt.timedelta(seconds=max(delay, 0))
    stale = SmsMessage.select(SmsMessage.id).where(
        (SmsMessage.gateway == "outbox")
        & (SmsMessage.state == "sent")
        & (SmsMessage.sent_at <= due)
    )
    return sum(sending.advance(m.id, "delivered") for m in stale)
