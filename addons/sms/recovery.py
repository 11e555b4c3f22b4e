"""Work lost with the process doing it, taken up by a periodic job.

A worker killed in the middle of a mass SMS, or a web process that dies while
handing one SMS to the gateway, leaves messages claimed (``processing``) and
a hold that is never captured. The hold expires on its own (``IAP_HOLD_TTL``),
giving the credits back; this module finds the messages once that much time
has passed. A claimed message may or may not have reached the gateway, so it
is failed with a reason that says so and never sent again on its own; a mass
SMS's messages still queued are sent by its job, enqueued again.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from peewee import fn

from addons.sms import batch_job, sending
from addons.sms.models import LOST_SINGLE, SmsBatch, SmsMessage
from host import set_message_state, utcnow, write_transaction

log = logging.getLogger(__name__)

STOPPED = (
    "The process sending this SMS stopped while handing it to the gateway: it may "
    "have gone out. It was not charged; resend it only if it did not arrive."
)


def stale_before() -> dt.datetime:
    """Work started before this and not finished is lost: a hold lives
    ``IAP_HOLD_TTL``, and a live sender finishes a hold's work in half of it."""
    return utcnow() - dt.timedelta(seconds=current_app.config.get("IAP_HOLD_TTL", 900))


def fail_lost_singles() -> int:
    """Fail the single SMS left ``processing`` by a process that died between
    the claim and the capture: they may have gone out, and were not charged
    (their hold expired). Returns how many."""
    lost = SmsMessage.select(SmsMessage.id, SmsMessage.chatter_message_id).where(
        LOST_SINGLE & (SmsMessage.updated_at < stale_before())
    )
    count = 0
    for message_id, chatter_id in lost.tuples():
        count += sending.advance(
            message_id, "failed", failure_type="server_error", reason=STOPPED, chatter_id=chatter_id
        )
    return count


def resume_batches() -> list[int]:
    """Take up the batches whose job was lost: ``sending`` with no heartbeat
    for ``IAP_HOLD_TTL`` (a live job beats before every chunk, and a chunk
    ends within half of it), or ``queued`` that long without a job starting.

    A lost job's claimed messages (``processing``) may or may not have reached
    the gateway and were not charged (the chunk's hold was never captured and
    has expired): they are failed with a reason that says so, never sent again
    on their own. The batch goes back to ``queued`` and its job is enqueued
    again; it checks the balance and sends the messages still queued, each
    once. Returns the ids of the batches taken up."""
    stale = stale_before()
    lost = (SmsBatch.state == "sending") & (
        SmsBatch.heartbeat_at.is_null() | (SmsBatch.heartbeat_at < stale)
    )
    waiting = (SmsBatch.state == "queued") & (
        fn.COALESCE(SmsBatch.heartbeat_at, SmsBatch.started_at) < stale
    )
    resumed = []
    for (batch_id,) in SmsBatch.select(SmsBatch.id).where(lost | waiting).tuples():
        with write_transaction():
            # Conditional, so two sweepers (or a job that wakes up) never both take it.
            took = (
                SmsBatch.update(state="queued", heartbeat_at=utcnow())
                .where((SmsBatch.id == batch_id) & (lost | waiting))
                .execute()
            )
            if not took:
                continue
            stuck = [
                m.id
                for m in SmsMessage.select(SmsMessage.id).where(
                    (SmsMessage.batch == batch_id) & (SmsMessage.state == "processing")
                )
            ]
            sending.advance_many(stuck, "failed", failure_type="server_error", reason=STOPPED)
            batch_job.send_batch.delay(batch_id)
        log.warning(
            "Mass SMS #%s: its job was lost; %s message(s) it had claimed were failed, "
            "the rest is queued again",
            batch_id,
            len(stuck),
        )
        resumed.append(batch_id)
    return resumed


def is_unknown(message: SmsMessage) -> bool:
    """Failed because its sender died handing it over: it may have gone out."""
    return message.state == "failed" and message.failure_reason == STOPPED


def settle(message: SmsMessage, state: str, failure_type: str = "", reason: str = "") -> bool:
    """The gateway's delivery report for a message whose outcome was unknown:
    it did go out. Reported ``sent`` or ``delivered``, the message takes that
    state (still uncharged: its hold expired long ago, and charging now could
    find no credits); reported failed, it keeps ``failed`` with the carrier's
    reason instead of the unknown one. Returns whether it changed."""
    if state not in ("sent", "delivered", "failed"):
        # Queued or sending at the gateway: it has it, which is our "sent"
        # (and never "in_queue" again, which a batch job would send).
        state = "sent"
    fields = {SmsMessage.updated_at: utcnow()}
    if state == "failed":
        fields.update({SmsMessage.failure_type: failure_type, SmsMessage.failure_reason: reason})
        detail = sending.detail(failure_type, reason)
    else:
        fields.update(
            {
                SmsMessage.state: state,
                SmsMessage.failure_type: "",
                SmsMessage.failure_reason: "",
                SmsMessage.sent_at: fn.COALESCE(SmsMessage.sent_at, utcnow()),
            }
        )
        detail = ""
    changed = (
        SmsMessage.update(fields)
        .where(
            (SmsMessage.id == message.id)
            & (SmsMessage.state == "failed")
            & (SmsMessage.failure_reason == STOPPED)
        )
        .execute()
    )
    if changed and message.chatter_message_id:
        set_message_state(message.chatter_message_id, state, detail)
    return bool(changed)
