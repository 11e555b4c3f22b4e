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

import datetime as dt
import hashlib
import json
import logging
import time
from collections import Counter, namedtuple
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from flask import current_app, url_for
from peewee import JOIN, SQL, Case, Value, fn

from addons.iap import InsufficientCreditError, balance
from addons.sms import blacklist, gateways, pricing, segments, sending
from addons.sms.models import SmsBatch, SmsBatchLine, SmsBlacklist, SmsMessage
from addons.sms.prepared import stamp
from host import (
    Contact,
    P,
    Prepared,
    db,
    post_message,
    utcnow,
    write_transaction,
)

log = logging.getLogger(__name__)

SKIPPED = frozenset({"duplicate", "blacklisted"})
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


def plan(contacts, *, table=None, company: str | None = None) -> Plan:
    """Check every contact: number, price, blacklist, then duplicates (first one wins)."""
    table = pricing.prices() if table is None else table
    company = sending.company_country() if company is None else company
    result = Plan()
    for contact in contacts:
        line = Line(contact, number_of(contact))
        try:
            line.number, line.country, line.per_part = sending.locate(
                line.number_raw, contact.country, table, company
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


# What plan(), the composer and the messages read of a contact.
_RECIPIENT_FIELDS = (
    Contact.id,
    Contact.name,
    Contact.company_name,
    Contact.is_company,
    Contact.phone,
    Contact.mobile,
    Contact.country,
)
_RECIPIENTS = sending.ByIds(
    lambda ids: Contact.select(*_RECIPIENT_FIELDS).where(Contact.id.in_(ids))
)
_RECIPIENT_NAMES = tuple(f.name for f in _RECIPIENT_FIELDS)
_RECIPIENT_VALUES = tuple(f.python_value for f in _RECIPIENT_FIELDS)


class Person(NamedTuple):
    """What plan() and the composer read of a contact, without a model object
    (10,000 of them cost a mass SMS ~0.1 s)."""

    id: int
    name: str
    company_name: str
    is_company: bool
    phone: str
    mobile: str
    country: str

    @property
    def display_name(self) -> str:  # as Contact.display_name
        if self.company_name and not self.is_company:
            return f"{self.company_name}, {self.name}"
        return self.name


def contacts_of(batch: SmsBatch, *, models: bool = False) -> list[Contact] | list[Person]:
    """The batch's contacts, in the order selected: :class:`Person` tuples, or
    ``Contact`` objects with ``models`` (to post in their chatter)."""
    ids = batch.contact_id_list
    found: dict = {}
    names, values = _RECIPIENT_NAMES, _RECIPIENT_VALUES
    for start in range(0, len(ids), 500):
        rows = _RECIPIENTS.run(ids[start : start + 500])
        if not models:
            found.update((row[0], Person._make(row)) for row in rows)
            continue
        for row in rows:
            contact = Contact(
                __no_default__=1, **{n: v(x) for n, v, x in zip(names, values, row, strict=True)}
            )
            contact._dirty.clear()
            found[contact.id] = contact
    return [found[i] for i in ids if i in found]


def shortfall(required: Decimal) -> InsufficientCreditError | None:
    """The prompt to show when the balance does not cover ``required``."""
    available = balance("sms")
    if available >= required:
        return None
    return InsufficientCreditError(
        "sms", required, available, False, url_for("iap.buy", service="sms")
    )


def start(batch: SmsBatch, body: str, *, log_chatter: bool, author) -> None:
    """Queue the batch and its job. Raises ``ValueError`` for a bad text and
    ``InsufficientCreditError`` when the balance does not cover all of it.

    The messages are made from the composer's kept plan (``sms_batch_line``,
    see :func:`compose`) when it is fresh, after checking in SQL what can have
    changed since; otherwise (no plan, too old, prices, company country or a
    contact's number changed, a number left the blacklist, or the chatter
    notes asked for) the contacts are planned again."""
    text = pricing.outgoing_text(body)
    segments.validate(text)
    info = segments.analyze(text)
    if not log_chatter and _kept_plan_is_fresh(batch):
        _start_from_kept_plan(batch, text, info, author)
    else:
        _start_from_new_plan(batch, text, info, author, log_chatter)
    from addons.sms import jobs

    jobs.send_batch.delay(batch.id)


def _start_from_new_plan(batch: SmsBatch, text, info, author, log_chatter: bool) -> None:
    recipients = plan(contacts_of(batch, models=log_chatter))
    if not recipients.valid:
        raise ValueError("None of the selected contacts can receive an SMS.")
    missing = shortfall(recipients.per_part_total * info.parts)
    if missing is not None:
        raise missing
    with write_transaction():
        _claim(batch, text, log_chatter)
        _create_messages(batch, recipients.lines, text, info, author, log_chatter)


def _claim(batch: SmsBatch, text: str, log_chatter: bool) -> None:
    claimed = (
        SmsBatch.update(state="queued", body=text, log_chatter=log_chatter, started_at=utcnow())
        .where((SmsBatch.id == batch.id) & (SmsBatch.state == "draft"))
        .execute()
    )
    if not claimed:
        raise ValueError("This mass SMS was sent already.")
    SmsBatchLine.delete().where(SmsBatchLine.batch == batch.id).execute()


# -- the composer's kept plan --------------------------------------------------

# A kept plan older than this is planned again when the user sends.
PLAN_MAX_AGE = dt.timedelta(minutes=10)


def plan_key(table: dict[str, Decimal], company: str) -> str:
    """What a plan depends on besides the contacts and the blacklist."""
    prices = ",".join(f"{c}={p.normalize():f}" for c, p in sorted(table.items()))
    return hashlib.sha256(f"{company}|{prices}".encode()).hexdigest()


def compose(batch: SmsBatch) -> Plan:
    """The composer's plan of a draft batch, kept in ``sms_batch_line`` (one
    ``executemany``) for ``Send SMS``, with its counts on the batch."""
    table = pricing.prices()
    company = sending.company_country()
    recipients = plan(contacts_of(batch), table=table, company=company)
    now = utcnow()
    to_credits = SmsBatchLine.per_part.db_value
    rows = [
        {
            "batch": batch.id,
            "seq": seq,
            "contact": line.contact.id,
            "mobile": line.contact.mobile or "",
            "phone": line.contact.phone or "",
            "contact_country": line.contact.country or "",
            "recipient_name": line.contact.display_name[:128],
            "number_raw": line.number_raw[:64],
            "number": line.number,
            "country": line.country,
            "per_part": to_credits(line.per_part) if not line.failure_type else 0,
            "failure_type": line.failure_type,
            "failure_reason": line.reason[:255],
        }
        for seq, line in enumerate(recipients.lines)
    ]
    with write_transaction():
        SmsBatchLine.delete().where(SmsBatchLine.batch == batch.id).execute()
        if rows:
            db.cursor().executemany(INSERT_LINE.sql(), rows)
        SmsBatch.update(
            recipients=len(recipients.valid),
            per_part_total=recipients.per_part_total,
            planned_at=now,
            plan_key=plan_key(table, company),
        ).where((SmsBatch.id == batch.id) & (SmsBatch.state == "draft")).execute()
    return recipients


_LINE_COLUMNS = (
    "batch",
    "seq",
    "contact",
    "mobile",
    "phone",
    "contact_country",
    "recipient_name",
    "number_raw",
    "number",
    "country",
    "per_part",
    "failure_type",
    "failure_reason",
)
INSERT_LINE = Prepared(
    lambda: SmsBatchLine.insert({getattr(SmsBatchLine, c): getattr(P, c) for c in _LINE_COLUMNS})
)


def _lines(batch: SmsBatch):
    return SmsBatchLine.select().where(SmsBatchLine.batch == batch.id)


def _kept_plan_is_fresh(batch: SmsBatch) -> bool:
    """The batch has a kept plan that planning again would give, save for
    numbers blacklisted since (:func:`_blacklist_since_plan` marks them)."""
    fresh = SmsBatch.select(SmsBatch.planned_at, SmsBatch.plan_key).where(SmsBatch.id == batch.id)
    planned_at, key = fresh.tuples().get()
    if planned_at is None or planned_at < utcnow() - PLAN_MAX_AGE:
        return False
    if key != plan_key(pricing.prices(), sending.company_country()):
        return False  # prices or the company's country changed
    line = SmsBatchLine
    edited = (
        line.select(line.id)
        .join(Contact, JOIN.LEFT_OUTER, on=(Contact.id == line.contact))
        .where(
            (line.batch == batch.id)
            & (
                Contact.id.is_null()
                | (fn.COALESCE(Contact.mobile, "") != line.mobile)
                | (fn.COALESCE(Contact.phone, "") != line.phone)
                | (fn.COALESCE(Contact.country, "") != line.contact_country)
            )
        )
    )
    if edited.exists():
        return False  # a contact was edited or deleted
    listed = SmsBlacklist.select(SQL("1")).where(SmsBlacklist.number == line.number)
    unlisted = _lines(batch).where((line.failure_type == "blacklisted") & ~fn.EXISTS(listed))
    if unlisted.exists():
        return False  # a number left the blacklist: it may be a duplicate's first now
    return _lines(batch).exists()


def _blacklist_since_plan(batch: SmsBatch) -> None:
    """Mark the kept plan's lines whose number was blacklisted since, as plan()
    would (the blacklist comes before duplicates)."""
    line = SmsBatchLine
    found = (
        line.select(line.number)
        .distinct()
        .join(SmsBlacklist, on=(SmsBlacklist.number == line.number))
        .where((line.batch == batch.id) & line.failure_type.in_(["", "duplicate"]))
        .tuples()
    )
    for (number,) in list(found):
        refusal = sending.blacklisted_refusal(number)
        line.update(
            failure_type=refusal.failure_type, failure_reason=str(refusal)[:255], per_part=0
        ).where(
            (line.batch == batch.id)
            & (line.number == number)
            & line.failure_type.in_(["", "duplicate"])
        ).execute()


def _start_from_kept_plan(batch: SmsBatch, text, info, author) -> None:
    """Queue the messages from the kept plan with one ``INSERT … SELECT``."""
    line = SmsBatchLine
    with write_transaction():
        _blacklist_since_plan(batch)
        valid, per_part_total = (
            _lines(batch)
            .select(fn.COUNT(line.id), fn.SUM(line.per_part))
            .where(line.failure_type == "")
            .tuples()
            .get()
        )
    if not valid:
        raise ValueError("None of the selected contacts can receive an SMS.")
    missing = shortfall(line.per_part.python_value(per_part_total or 0) * info.parts)
    if missing is not None:
        raise missing
    now = stamp(utcnow())
    sent = line.failure_type == ""
    rows = (
        line.select(
            Value(batch.id),
            line.contact,
            line.recipient_name,
            line.number_raw,
            line.number,
            line.country,
            Value(text),
            Value(info.encoding),
            SQL(str(int(info.parts))),
            Case(None, [(sent, line.per_part * SQL(str(int(info.parts))))], 0),
            SQL("0"),
            Case(None, [(sent, "in_queue")], "failed"),
            line.failure_type,
            line.failure_reason,
            Value(""),
            SQL("0"),
            Value(author.id if author is not None else None),
            Value(now),
            Value(now),
        )
        .where(line.batch == batch.id)
        .order_by(line.seq)
    )
    columns = [getattr(SmsMessage, c) for c in _MESSAGE_COLUMNS]
    with write_transaction():
        claimed = (
            SmsBatch.update(state="queued", body=text, log_chatter=False, started_at=utcnow())
            .where((SmsBatch.id == batch.id) & (SmsBatch.state == "draft"))
            .execute()
        )
        if not claimed:
            raise ValueError("This mass SMS was sent already.")
        SmsMessage.insert_from(rows, columns).execute()
        line.delete().where(line.batch == batch.id).execute()


# The messages of a batch are inserted with one compiled statement run for all
# the rows (``executemany``): no SQL is built per message.
_MESSAGE_COLUMNS = (
    "batch",
    "contact",
    "recipient_name",
    "number_raw",
    "number",
    "country",
    "body",
    "encoding",
    "parts",
    "credits",
    "charged",
    "state",
    "failure_type",
    "failure_reason",
    "gateway",
    "attempts",
    "author",
    "created_at",
    "updated_at",
)
INSERT_MESSAGE = Prepared(
    lambda: SmsMessage.insert({getattr(SmsMessage, c): getattr(P, c) for c in _MESSAGE_COLUMNS})
)
INSERT_GROUP = 1000


def _create_messages(batch, lines: list[Line], text, info, author, log_chatter: bool) -> None:
    """One message per line, and its chatter entry when asked."""
    now = stamp(utcnow())
    common = {
        "batch": batch.id,
        "body": text,
        "encoding": info.encoding,
        "parts": info.parts,
        "charged": 0,
        "gateway": "",
        "attempts": 0,
        "author": author.id if author is not None else None,
        "created_at": now,
        "updated_at": now,
    }
    credits_of: dict[Decimal, int] = {}  # per part price -> the message's credits, stored form
    to_credits = SmsMessage.credits.db_value
    sql = INSERT_MESSAGE.sql()
    cursor = db.cursor()
    for start in range(0, len(lines), INSERT_GROUP):
        rows = []
        for line in lines[start : start + INSERT_GROUP]:
            failed = bool(line.failure_type)
            credits = 0
            if not failed:
                credits = credits_of.get(line.per_part)
                if credits is None:
                    credits = credits_of[line.per_part] = to_credits(line.per_part * info.parts)
            rows.append(
                {
                    **common,
                    "contact": line.contact.id,
                    "recipient_name": line.contact.display_name,
                    "number_raw": line.number_raw,
                    "number": line.number,
                    "country": line.country,
                    "credits": credits,
                    "state": "failed" if failed else "in_queue",
                    "failure_type": line.failure_type,
                    "failure_reason": line.reason[:255],
                }
            )
        cursor.executemany(sql, rows)
    if log_chatter:
        _post_notes(batch, lines, text, author)


def _post_notes(batch, lines: list[Line], text, author) -> None:
    """A note in each contact's chatter, followed by the message's state."""
    messages_of: dict[int, list[int]] = {}
    query = (
        SmsMessage.select(SmsMessage.id, SmsMessage.contact)
        .where(SmsMessage.batch == batch.id)
        .order_by(SmsMessage.id)
        .tuples()
    )
    for message_id, contact_id in query:
        messages_of.setdefault(contact_id, []).append(message_id)
    notes = []
    for line in lines:
        message_id = messages_of[line.contact.id].pop(0)
        note = post_message(
            line.contact,
            text,
            kind="sms",
            author=author,
            state="failed" if line.failure_type else "in_queue",
            state_detail=sending.detail(line.failure_type, line.reason)
            if line.failure_type
            else "",
            meta={"sms_message": message_id, "sms_batch": batch.id, "number": line.number},
        )
        notes.append((message_id, note.id))
    for start in range(0, len(notes), 200):
        group = notes[start : start + 200]
        SmsMessage.update(chatter_message_id=Case(SmsMessage.id, group)).where(
            SmsMessage.id.in_([message_id for message_id, _ in group])
        ).execute()


def _pending(batch_id: int, *fields):
    return SmsMessage.select(*fields).where(
        (SmsMessage.batch == batch_id) & (SmsMessage.state == "in_queue")
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
            if not chunk or not _send_chunk(batch_id, chunk, gateway, pace):
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
        with sending.held(
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
