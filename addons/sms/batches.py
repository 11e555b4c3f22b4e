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
import logging
from decimal import Decimal

from flask import url_for
from peewee import SQL, Case, Value, fn

from addons.iap import InsufficientCreditError, balance
from addons.sms import pricing, segments, sending
from addons.sms.models import SmsBatch, SmsBatchLine, SmsMessage
from addons.sms.planning import (
    Line,
    blacklist_since_plan,
    contacts_of,
    kept_plan_is_fresh,
    plan,
    plan_lines,
)
from addons.sms.prepared import stamp
from host import (
    P,
    Prepared,
    db,
    post_message,
    utcnow,
    write_transaction,
)

log = logging.getLogger(__name__)


def draft(contacts, author) -> SmsBatch:
    ids = [contact.id for contact in contacts]
    return SmsBatch.create(contact_ids=json.dumps(ids), author=author)


# What plan(), the composer and the messages read of a contact.
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
    if not log_chatter and kept_plan_is_fresh(batch):
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
    """Move the draft to queued (once: a second Send is refused); the kept
    plan's lines go with it, after the messages were made from them."""
    claimed = (
        SmsBatch.update(state="queued", body=text, log_chatter=log_chatter, started_at=utcnow())
        .where((SmsBatch.id == batch.id) & (SmsBatch.state == "draft"))
        .execute()
    )
    if not claimed:
        raise ValueError("This mass SMS was sent already.")
    SmsBatchLine.delete().where(SmsBatchLine.batch == batch.id).execute()


def _start_from_kept_plan(batch: SmsBatch, text, info, author) -> None:
    """Queue the messages from the kept plan with one ``INSERT … SELECT``."""
    line = SmsBatchLine
    with write_transaction():
        blacklist_since_plan(batch)
        valid, per_part_total = (
            plan_lines(batch)
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
        SmsMessage.insert_from(rows, columns).execute()
        _claim(batch, text, log_chatter=False)


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
