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
from peewee import Case, fn

from addons.iap import InsufficientCreditError, balance
from addons.sms import batch_job, planning, pricing, recovery, segments, sending
from addons.sms.contact_numbers import CONTACT
from addons.sms.models import SmsBatch, SmsMessage
from host import P, Prepared, db, post_messages, sql_datetime, sql_named, utcnow, write_transaction

log = logging.getLogger(__name__)


def draft(contact_ids, author) -> SmsBatch:
    """A draft batch for these contacts (ids, or contacts), in this order."""
    ids = list(dict.fromkeys(c if isinstance(c, int) else c.id for c in contact_ids))
    return SmsBatch.create(contact_ids=json.dumps(ids), author=author)


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

    The messages are inserted straight from the plan (``planning``), one
    ``INSERT … SELECT``, then counted and priced in the same transaction: a
    shortfall rolls all of it back, so what was checked is what is queued."""
    text = pricing.outgoing_text(body)
    segments.validate(text)
    info = segments.analyze(text)
    for _ in range(3):
        try:
            _queue(batch, text, info, author, log_chatter)
        except _ContactsChanged:
            continue  # a selected contact was edited between the two steps: plan again
        break
    else:
        raise ValueError("The selected contacts keep changing; try again in a moment.")
    batch_job.send_batch.delay(batch.id)


class _ContactsChanged(Exception):
    pass


def _resendable(batch_id: int):
    return (
        (SmsMessage.batch == batch_id)
        & (SmsMessage.state == "failed")
        & SmsMessage.failure_type.in_(list(sending.RESENDABLE))
    )


def retry(batch: SmsBatch) -> int:
    """Queue the messages that failed for want of credits or a gateway error
    again; not those that may have gone out (their sender died handing them
    over: :func:`unknown_outcomes`), which a person resends one by one."""
    failed = SmsMessage.select().where(
        _resendable(batch.id) & (SmsMessage.failure_reason != recovery.STOPPED)
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
        batch_job.send_batch.delay(batch.id)
    return count


def unknown_outcomes(batch_id: int) -> int:
    """The batch's failed messages that may have reached the gateway."""
    query = SmsMessage.select().where(
        _resendable(batch_id) & (SmsMessage.failure_reason == recovery.STOPPED)
    )
    return query.count()


MESSAGES = SmsMessage._meta.table_name
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


def _queue(batch: SmsBatch, text: str, info, author, log_chatter: bool) -> None:
    plan, params = planning.prepare(batch)
    select, _ = planning.selection(batch)
    now = sql_datetime(utcnow())
    params.update(
        batch=batch.id,
        body=text,
        encoding=info.encoding,
        parts=int(info.parts),
        author=author.id if author is not None else None,
        now=now,
    )
    columns = ", ".join(SmsMessage._meta.fields[c].column_name for c in _MESSAGE_COLUMNS)
    insert = f"""{plan}
    INSERT INTO {MESSAGES} ({columns})
    SELECT :batch, contact_id, recipient_name, number_raw, number, country, :body,
      :encoding, :parts, per_part * :parts, 0,
      CASE WHEN failure_type = '' THEN 'in_queue' ELSE 'failed' END,
      failure_type, failure_reason, '', 0, :author, :now, :now
    FROM plan ORDER BY seq"""
    alive = f"SELECT COUNT(*) FROM ({select}) AS sel JOIN {CONTACT} AS c ON c.id = sel.contact_id"
    with write_transaction():
        _claim(batch, text, log_chatter)
        db.execute_sql(*sql_named(insert, params))
        queued, valid, credits = (
            SmsMessage.select(
                fn.COUNT(SmsMessage.id),
                fn.COUNT(Case(None, [(SmsMessage.state == "in_queue", 1)], None)),
                fn.SUM(SmsMessage.credits).coerce(False),
            )
            .where(SmsMessage.batch == batch.id)
            .tuples()
            .get()
        )
        if queued != db.execute_sql(*sql_named(alive, params)).fetchone()[0]:
            raise _ContactsChanged()
        if not valid:
            raise ValueError("None of the selected contacts can receive an SMS.")
        missing = shortfall(SmsMessage.credits.python_value(int(credits or 0)))
        if missing is not None:
            raise missing
        if log_chatter:
            _post_notes(batch, text, author)


def _claim(batch: SmsBatch, text: str, log_chatter: bool) -> None:
    """Move the draft to queued (once: a second Send is refused)."""
    claimed = (
        SmsBatch.update(state="queued", body=text, log_chatter=log_chatter, started_at=utcnow())
        .where((SmsBatch.id == batch.id) & (SmsBatch.state == "draft"))
        .execute()
    )
    if not claimed:
        raise ValueError("This mass SMS was sent already.")


def _post_notes(batch, text, author) -> None:
    """A note in each contact's chatter, followed by the message's state."""
    rows = list(
        SmsMessage.select(
            SmsMessage.id,
            SmsMessage.contact,
            SmsMessage.number,
            SmsMessage.failure_type,
            SmsMessage.failure_reason,
        )
        .where(SmsMessage.batch == batch.id)
        .tuples()
    )
    notes = post_messages(
        {
            "model": "contact",
            "res_id": contact_id,
            "body": text,
            "kind": "sms",
            "author": author,
            "state": "failed" if failure_type else "in_queue",
            "state_detail": sending.detail(failure_type, reason) if failure_type else "",
            "meta": {"sms_message": message_id, "sms_batch": batch.id, "number": number},
        }
        for message_id, contact_id, number, failure_type, reason in rows
    )
    # A batch has one message per contact (``draft`` drops repeated ids).
    message_of = {contact_id: message_id for message_id, contact_id, *_ in rows}
    db.cursor().executemany(
        SET_CHATTER.sql(),
        [{"id": message_of[res_id], "note": note_id} for note_id, _, res_id in notes],
    )


SET_CHATTER = Prepared(
    lambda: SmsMessage.update(chatter_message_id=P.note).where(SmsMessage.id == P.id)
)
