"""Mass SMS: who receives it, what it costs, and the job that sends it.

Charging: nothing is queued unless the balance covers the whole batch (checked
when the user sends, and again when the job starts, before any message goes
out). The job then charges in chunks of ``SMS_BATCH_CHUNK`` messages (500):
one hold per chunk for the chunk's price, captured for the messages the
gateway accepted (``tx.credit``), so refused messages cost nothing. A chunk
also ends after half of ``IAP_HOLD_TTL``, so a slow gateway never outlives
its hold. Chunks keep ``charge()`` outside any transaction and keep a worker
crash from holding the credits of a whole campaign. If credits run out
between chunks (another user spending), the messages not sent yet are failed
with ``insufficient_credit`` and can be resent.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app, url_for
from peewee import fn

from addons.iap import InsufficientCreditError, balance
from addons.sms import blacklist, gateways, pricing, segments, sending
from addons.sms.models import SmsBatch, SmsMessage
from host import Contact, post_message, utcnow, write_transaction

SKIPPED = frozenset({"duplicate", "blacklisted"})


@dataclass
class Line:
    """One selected contact: sent to ``number`` unless ``failure_type`` says why not."""

    contact: Contact
    number_raw: str
    number: str = ""
    country: str = ""
    per_part: Decimal = Decimal(0)
    failure_type: str = ""
    reason: str = ""


@dataclass
class Plan:
    lines: list[Line] = field(default_factory=list)

    @property
    def valid(self) -> list[Line]:
        return [line for line in self.lines if not line.failure_type]

    @property
    def refused(self) -> list[Line]:
        return [line for line in self.lines if line.failure_type]

    @property
    def per_part_total(self) -> Decimal:
        """Credits of one part sent to every valid recipient."""
        return sum((line.per_part for line in self.valid), Decimal(0))

    def counts(self) -> Counter:
        return Counter(line.failure_type or "valid" for line in self.lines)


def number_of(contact: Contact) -> str:
    """The number a mass SMS goes to: the mobile, else the phone."""
    return (contact.mobile or "").strip() or (contact.phone or "").strip()


def plan(contacts) -> Plan:
    """Check every contact: number, price, blacklist, then duplicates (first one wins)."""
    table = pricing.prices()
    result = Plan()
    for contact in contacts:
        line = Line(contact, number_of(contact))
        try:
            line.number, line.country, line.per_part = sending.locate(
                line.number_raw, contact.country, table
            )
        except sending.Refused as exc:
            line.failure_type, line.reason = exc.failure_type, str(exc)
        result.lines.append(line)
    blocked = blacklist.blacklisted_among(line.number for line in result.valid)
    seen: dict[str, str] = {}
    for line in result.valid:
        if line.number in blocked:
            refusal = sending.blacklisted_refusal(line.number)
            line.failure_type, line.reason = refusal.failure_type, str(refusal)
        elif line.number in seen:
            line.failure_type = "duplicate"
            line.reason = f"Same number as {seen[line.number]}: sent once."
        else:
            seen[line.number] = line.contact.display_name
    return result


def draft(contacts, author) -> SmsBatch:
    ids = [contact.id for contact in contacts]
    return SmsBatch.create(contact_ids=json.dumps(ids), author=author)


def contacts_of(batch: SmsBatch) -> list[Contact]:
    ids = batch.contact_id_list
    found: dict[int, Contact] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update((c.id, c) for c in Contact.select().where(Contact.id.in_(chunk)))
    return [found[i] for i in ids if i in found]


def shortfall(required: Decimal) -> InsufficientCreditError | None:
    """The prompt to show when the balance does not cover ``required``."""
    available = balance("sms")
    if available >= required:
        return None
    return InsufficientCreditError(
        "sms", required, available, False, url_for("iap.buy", service="sms")
    )


def start(batch: SmsBatch, body: str, *, log_chatter: bool, author) -> Plan:
    """Queue the batch and its job. Raises ``ValueError`` for a bad text and
    ``InsufficientCreditError`` when the balance does not cover all of it."""
    text = pricing.outgoing_text(body)
    segments.validate(text)
    recipients = plan(contacts_of(batch))
    if not recipients.valid:
        raise ValueError("None of the selected contacts can receive an SMS.")
    info = segments.analyze(text)
    missing = shortfall(recipients.per_part_total * info.parts)
    if missing is not None:
        raise missing
    with write_transaction():
        claimed = (
            SmsBatch.update(state="queued", body=text, log_chatter=log_chatter, started_at=utcnow())
            .where((SmsBatch.id == batch.id) & (SmsBatch.state == "draft"))
            .execute()
        )
        if not claimed:
            raise ValueError("This mass SMS was sent already.")
        for line in recipients.lines:
            _create_message(batch, line, text, info, author, log_chatter)
    from addons.sms import jobs

    jobs.send_batch.delay(batch.id)
    return recipients


def _create_message(batch, line: Line, text, info, author, log_chatter: bool) -> SmsMessage:
    failed = bool(line.failure_type)
    message = SmsMessage.create(
        batch=batch.id,
        contact=line.contact.id,
        recipient_name=line.contact.display_name,
        number_raw=line.number_raw,
        number=line.number,
        country=line.country,
        body=text,
        encoding=info.encoding,
        parts=info.parts,
        credits=line.per_part * info.parts if not failed else Decimal(0),
        state="failed" if failed else "in_queue",
        failure_type=line.failure_type,
        failure_reason=line.reason[:255],
        author=author,
    )
    if log_chatter:
        note = post_message(
            line.contact,
            text,
            kind="sms",
            author=author,
            state=message.state,
            state_detail=sending.detail(line.failure_type, line.reason) if failed else "",
            meta={"sms_message": message.id, "sms_batch": batch.id, "number": line.number},
        )
        message.chatter_message_id = note.id
        message.save(only=[SmsMessage.chatter_message_id])
    return message


def _pending(batch_id: int):
    return SmsMessage.select().where(
        (SmsMessage.batch == batch_id) & (SmsMessage.state == "in_queue")
    )


def _fail_pending(batch_id: int, failure_type: str, reason: str) -> None:
    for message in _pending(batch_id):
        sending.advance(message.id, "failed", failure_type=failure_type, reason=reason)


def run(batch_id: int) -> dict | None:
    """The job: send the batch's queued messages, chunk by chunk."""
    took = (
        SmsBatch.update(state="sending")
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
        total = sum((m.credits for m in _pending(batch_id)), Decimal(0))
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
        while True:
            chunk = list(_pending(batch_id).order_by(SmsMessage.id).limit(size))
            if not chunk or not _send_chunk(batch_id, chunk, gateway):
                break
    finally:
        gateway.close()
    return _finish(batch_id)


def _send_chunk(batch_id: int, chunk: list[SmsMessage], gateway) -> bool:
    """One hold for the chunk, captured for what the gateway accepted.
    Returns False when the batch must stop."""
    deadline = time.monotonic() + current_app.config.get("IAP_HOLD_TTL", 900) / 2
    accepted: list[SmsMessage] = []
    tried = 0
    try:
        with sending.held(
            sum((m.credits for m in chunk), Decimal(0)),
            description=f"Mass SMS #{batch_id}: up to {len(chunk)} messages",
            reference=f"sms.batch:{batch_id}",
        ) as tx:
            for message in chunk:
                if tried and time.monotonic() > deadline:
                    break  # the rest stay queued for the next chunk and its own hold
                tried += 1
                if sending.claim(message.id) and sending.deliver(message, gateway):
                    accepted.append(message)
            if not accepted:
                raise sending.NothingAccepted
            tx.credit = sum((m.credits for m in accepted), Decimal(0))
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
    ids = [m.id for m in accepted]
    SmsMessage.update(charged=SmsMessage.credits).where(SmsMessage.id.in_(ids)).execute()
    sending.after_accepted(gateway, ids)
    return True


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
    return sum(sending.advance(m.id, "canceled") for m in _pending(batch_id))


def retry(batch: SmsBatch) -> int:
    """Queue the messages that failed for want of credits or a gateway error again."""
    failed = SmsMessage.select().where(
        (SmsMessage.batch == batch.id)
        & (SmsMessage.state == "failed")
        & SmsMessage.failure_type.in_(list(sending.RESENDABLE))
    )
    table = pricing.prices()
    lines = []
    for message in failed:
        try:
            lines.append((message, pricing.quote(message.body, message.country, table).credits))
        except pricing.CountryNotSupported:
            continue  # stays failed: no price for its country any more
    missing = shortfall(sum((credits for _, credits in lines), Decimal(0)))
    if missing is not None:
        raise missing
    count = sum(sending.requeue(message, credits) for message, credits in lines)
    if count:
        SmsBatch.update(state="queued", done_at=None).where(SmsBatch.id == batch.id).execute()
        from addons.sms import jobs

        jobs.send_batch.delay(batch.id)
    return count


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
