"""The job that sends a mass SMS, chunk by chunk, and its progress.

Charging: one hold per chunk of ``SMS_BATCH_CHUNK`` messages (500), captured
for the messages the gateway accepted, so refused messages cost nothing. A
chunk also ends after half of ``IAP_HOLD_TTL``, so a slow gateway never
outlives its hold. If credits run out between chunks (another user spending),
the messages not sent yet are failed with ``insufficient_credit`` and can be
resent.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, namedtuple
from decimal import Decimal

from flask import current_app
from peewee import fn

from addons.iap import InsufficientCreditError, balance, charge
from addons.sms import gateways, sending
from addons.sms.models import PENDING, SmsBatch, SmsMessage
from addons.sms.planning import SKIPPED
from host import db, job, utcnow

log = logging.getLogger(__name__)

# Messages are claimed and checked against the blacklist in groups, in one
# statement per group; a STOP that arrives during a batch is honoured from the
# next group on, so a group is bounded by the time it takes, not by a count.
# A gateway sending one message per call (Twilio: one HTTP call each) gets
# groups of 1, 2, 4… up to GROUP_MAX while a group goes out in under
# GROUP_SECONDS, back to 1 when one does not: with a slow gateway every message
# is claimed and checked just before it goes, as in send_now. A gateway taking
# a group in one call (the outbox, no network) gets groups sized from the last
# one's time per message to take about GROUP_SECONDS / 2, growing at most
# GROUP_GROWTH times a step, up to the whole chunk.
GROUP_MAX = 50
GROUP_SECONDS = 0.5
GROUP_GROWTH = 16


def _pending(batch_id: int, *fields):
    return SmsMessage.select(*fields).where(
        (SmsMessage.batch == batch_id) & (SmsMessage.state == PENDING)
    )


# What sending a message of a batch reads of it: plain tuples, no model objects
# (``credits`` in its database form, scaled integers).
_TO_SEND = (
    SmsMessage.id,
    SmsMessage.number,
    SmsMessage.body,
    SmsMessage.credits,
    SmsMessage.chatter_message_id,
)
Queued = namedtuple("Queued", "id number body credits chatter_message_id")
_credits = SmsMessage.credits.python_value


def _fail_pending(batch_id: int, failure_type: str, reason: str) -> None:
    ids = [m.id for m in _pending(batch_id).select(SmsMessage.id)]
    sending.advance_many(ids, "failed", failure_type=failure_type, reason=reason)


@job(name="sms.send_batch")
def send_batch(batch_id: int):
    """Send a queued mass SMS (see :mod:`addons.sms.batches` for how it is charged)."""
    return run(batch_id)


def run(batch_id: int) -> dict | None:
    """The job: send the batch's queued messages, chunk by chunk."""
    took = (
        SmsBatch.update(state="sending", heartbeat_at=utcnow())
        .where((SmsBatch.id == batch_id) & (SmsBatch.state == "queued"))
        .execute()
    )
    if not took:
        return None
    try:
        gateway = gateways.active()
    except gateways.GatewayError as exc:
        _fail_pending(batch_id, "server_error", str(exc))
        return _finish(batch_id)
    try:
        (total,) = _pending(batch_id, fn.SUM(SmsMessage.credits)).tuples().get()
        total = SmsMessage.credits.python_value(total or 0)
        available = balance("sms")
        if available < total:
            _fail_pending(
                batch_id,
                "insufficient_credit",
                f"{total.normalize():f} credits needed for the batch, "
                f"{available.normalize():f} available; nothing was sent.",
            )
            return _finish(batch_id)
        size = int(current_app.config.get("SMS_BATCH_CHUNK", 500))
        pace = _Pace(hasattr(gateway, "send_many"), size)
        while True:
            query = _pending(batch_id, *_TO_SEND).order_by(SmsMessage.id).limit(size)
            chunk = [Queued(*row) for row in db.execute_sql(*query.sql())]
            if not chunk or not _beat(batch_id):
                break
            if not _send_chunk(batch_id, chunk, gateway, pace):
                break
    finally:
        gateway.close()
    return _finish(batch_id)


class _Pace:
    """The size of the next group, kept from one chunk to the next."""

    def __init__(self, grouped: bool = False, most: int = GROUP_MAX):
        self.grouped = grouped  # the gateway takes a group in one call
        self.most = max(most, 1) if grouped else GROUP_MAX
        self.size = 1

    def took(self, count: int, seconds: float) -> None:
        if not self.grouped:
            fast = seconds < GROUP_SECONDS
            self.size = min(self.size * 2, GROUP_MAX) if fast else 1
            return
        fitting = int(count * (GROUP_SECONDS / 2) / max(seconds, 1e-6))
        self.size = max(1, min(fitting, count * GROUP_GROWTH, self.most))


def _send_chunk(batch_id: int, chunk: list[Queued], gateway, pace: _Pace) -> bool:
    """One hold for the chunk, captured for what the gateway accepted.
    Returns False when the batch must stop.

    The accepted messages are marked sent and charged in the capture's
    transaction (``tx.on_capture``): never charged without being marked sent,
    nor marked charged without the capture. If the capture fails (or the
    chunk breaks after the gateway took messages), nothing is charged, the
    messages the gateway took are recorded sent, charged nothing (they went
    out: a Resend would send them twice), the messages not sent yet are failed
    with ``server_error`` (a Resend queues them again) and the batch stops."""
    deadline = time.monotonic() + current_app.config.get("IAP_HOLD_TTL", 900) / 2
    accepted: list[tuple[Queued, gateways.Accepted]] = []
    tried = 0
    try:
        with charge(
            "sms",
            _credits(sum(m.credits for m in chunk)),
            description=f"Mass SMS #{batch_id}: up to {len(chunk)} messages",
            reference=f"sms.batch:{batch_id}",
        ) as tx:
            while tried < len(chunk):
                if tried and time.monotonic() > deadline:
                    break  # the rest stay queued for the next chunk and its own hold
                group = chunk[tried : tried + pace.size]
                tried += len(group)
                started = time.monotonic()
                accepted += _send_group(group, gateway)
                pace.took(len(group), time.monotonic() - started)
            if not accepted:
                raise sending.NothingAccepted
            tx.credit = _credits(sum(m.credits for m, _ in accepted))
            tx.on_capture(lambda: sending.record_sent(accepted, gateway.key))
    except sending.NothingAccepted:
        return True
    except InsufficientCreditError as exc:
        _fail_pending(
            batch_id,
            "insufficient_credit",
            f"{exc.required.normalize():f} credits needed, {exc.available.normalize():f} "
            "available when this part of the batch was sent.",
        )
        return False
    except Exception:
        log.exception("Mass SMS #%s: a chunk could not be charged; the batch stops", batch_id)
        sending.record_uncharged(accepted, gateway.key)  # never touches ``charged``
        _fail_pending_and_claimed(
            batch_id,
            [m.id for m in chunk],
            "server_error",
            "The batch stopped: a part of it could not be charged; see the server log.",
        )
        return False
    sending.after_accepted(gateway, [m.id for m, _ in accepted])
    return True


def _fail_pending_and_claimed(batch_id: int, claimed: list[int], failure_type, reason) -> None:
    """Fail the batch's queued messages and those of ``claimed`` left in
    ``processing`` (claimed, never handed over)."""
    stuck = [
        m.id
        for m in SmsMessage.select(SmsMessage.id).where(
            SmsMessage.id.in_(claimed) & (SmsMessage.state == "processing")
        )
    ]
    sending.advance_many(stuck, "failed", failure_type=failure_type, reason=reason)
    _fail_pending(batch_id, failure_type, reason)


def _send_group(group: list[Queued], gateway) -> list[tuple[Queued, gateways.Accepted]]:
    """Claim a group and check the blacklist for it in one statement, then hand
    it to the gateway (in one call if it takes groups); returns the accepted
    messages with the gateway's answers."""
    claimed = sending.claim_checked([m.id for m in group])
    mine = [m for m in group if m.id in claimed]
    blocked = {m.number for m in mine if claimed[m.id]}
    return sending.deliver_group(mine, gateway, blocked)


def _beat(batch_id: int) -> bool:
    """Mark the batch alive before a chunk; False when it is no longer this
    job's (canceled, or taken over after this worker was thought dead)."""
    return bool(
        SmsBatch.update(heartbeat_at=utcnow())
        .where((SmsBatch.id == batch_id) & (SmsBatch.state == "sending"))
        .execute()
    )


def _finish(batch_id: int) -> dict:
    SmsBatch.update(state="done", done_at=utcnow()).where(
        (SmsBatch.id == batch_id) & (SmsBatch.state == "sending")
    ).execute()
    return progress(batch_id)


def cancel(batch_id: int) -> int:
    """Stop a batch: messages not sent yet are canceled. Returns how many."""
    SmsBatch.update(state="canceled", done_at=utcnow()).where(
        (SmsBatch.id == batch_id) & SmsBatch.state.in_(["draft", "queued", "sending"])
    ).execute()
    ids = [m.id for m in _pending(batch_id).select(SmsMessage.id)]
    return len(sending.advance_many(ids, "canceled"))


def progress(batch_id: int) -> dict:
    """Counts by outcome, for the progress bar and the results page."""
    states: Counter = Counter()
    skipped = failed = resendable = 0
    spent = Decimal(0)
    query = (
        SmsMessage.select(
            SmsMessage.state,
            SmsMessage.failure_type,
            fn.COUNT(SmsMessage.id),
            fn.SUM(SmsMessage.charged),
        )
        .where(SmsMessage.batch == batch_id)
        .group_by(SmsMessage.state, SmsMessage.failure_type)
        .tuples()
    )
    for state, failure_type, count, charged in query:
        states[state] += count
        spent += SmsMessage.charged.python_value(charged or 0)
        if state == "failed":
            if failure_type in SKIPPED:
                skipped += count
            else:
                failed += count
            if failure_type in sending.RESENDABLE:
                resendable += count
    total = sum(states.values())
    waiting = states["in_queue"] + states["processing"]
    return {
        "total": total,
        "done": total - waiting,
        "waiting": waiting,
        "percent": round(100 * (total - waiting) / total) if total else 100,
        "sent": states["sent"] + states["delivered"],
        "delivered": states["delivered"],
        "failed": failed,
        "skipped": skipped,
        "resendable": resendable,
        "canceled": states["canceled"],
        "spent": spent,
    }
