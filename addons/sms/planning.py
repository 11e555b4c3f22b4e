"""Who a mass SMS can reach and at what price: the composer's plan.

The composer plans a draft batch (numbers, countries, prices, blacklist,
duplicates) and keeps the plan in ``sms_batch_line``, so ``Send SMS`` can
queue the messages from it after checking in SQL what may have changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from peewee import JOIN, SQL, fn

from addons.sms import blacklist, pricing, sending
from addons.sms.models import SmsBatch, SmsBatchLine, SmsBlacklist
from host import (
    Contact,
    P,
    Prepared,
    db,
    utcnow,
    write_transaction,
)

log = logging.getLogger(__name__)

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


def plan_lines(batch: SmsBatch):
    return SmsBatchLine.select().where(SmsBatchLine.batch == batch.id)


def kept_plan_is_fresh(batch: SmsBatch) -> bool:
    """The batch has a kept plan that planning again would give, save for
    numbers blacklisted since (:func:`blacklist_since_plan` marks them)."""
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
    unlisted = plan_lines(batch).where((line.failure_type == "blacklisted") & ~fn.EXISTS(listed))
    if unlisted.exists():
        return False  # a number left the blacklist: it may be a duplicate's first now
    return plan_lines(batch).exists()


def blacklist_since_plan(batch: SmsBatch) -> None:
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
