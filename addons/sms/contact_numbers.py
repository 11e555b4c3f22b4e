"""Contacts' numbers, validated when the contacts are saved.

Reading a number with ``phonenumbers`` costs ~30 µs, a third of a second for a
mass SMS to 10,000 contacts, paid again by every process that had not read it
yet. So the number a mass SMS goes to (the mobile, else the phone) is
validated when the contact is saved (the host's ``records_saved`` hook) and
kept in ``sms_contact_number`` with what it was read from. A mass SMS reads
the kept rows in SQL and first reads again, here, the ones that are missing or
stale: contacts written behind the host's back, a contact edited since, a
changed company country.
"""

from __future__ import annotations

from collections.abc import Iterable

from addons.sms import recipients
from addons.sms.models import SmsContactNumber
from host import Contact, P, Prepared, db, sql_datetime, sql_named, utcnow, write_transaction

CONTACT = Contact.sql_table()
NUMBERS = SmsContactNumber._meta.table_name

# What a row was read from, compared in SQL with the contact (``n`` and ``c``).
MATCHES = (
    "n.mobile = COALESCE(c.mobile, '') AND n.phone = COALESCE(c.phone, '') "
    "AND n.contact_country = COALESCE(c.country, '') AND n.company_country = {company}"
)

_COLUMNS = (
    "contact",
    "mobile",
    "phone",
    "contact_country",
    "company_country",
    "number_raw",
    "number",
    "country",
    "failure_type",
    "failure_reason",
    "unsupported_reason",
    "blacklisted_reason",
    "checked_at",
)
# An upsert: two processes validating the same contact at once (a save and a
# composer page) both succeed, the last one's row staying.
_INSERT = Prepared(
    lambda: SmsContactNumber.insert(
        {getattr(SmsContactNumber, c): getattr(P, c) for c in _COLUMNS}
    ).on_conflict(
        conflict_target=[SmsContactNumber.contact],
        preserve=[getattr(SmsContactNumber, c) for c in _COLUMNS if c != "contact"],
    )
)
_GROUP = 500  # ids per query


def number_of(mobile: str | None, phone: str | None) -> str:
    """The number a mass SMS goes to: the mobile, else the phone."""
    return (mobile or "").strip() or (phone or "").strip()


def entry(mobile, phone, contact_country, company: str) -> dict:
    """The row for a contact with these fields (``contact`` and ``checked_at`` aside)."""
    raw = number_of(mobile, phone)
    row = {
        "mobile": mobile or "",
        "phone": phone or "",
        "contact_country": contact_country or "",
        "company_country": company,
        "number_raw": raw[:64],
        "number": "",
        "country": "",
        "failure_type": "",
        "failure_reason": "",
        "unsupported_reason": "",
        "blacklisted_reason": "",
    }
    try:
        row["number"], row["country"] = recipients.read_number(raw, contact_country, company)
    except recipients.Refused as refusal:
        row["failure_type"], row["failure_reason"] = refusal.failure_type, str(refusal)[:255]
        return row
    row["unsupported_reason"] = str(recipients.unsupported_refusal(row["number"]))[:255]
    row["blacklisted_reason"] = str(recipients.blacklisted_refusal(row["number"]))[:255]
    return row


def remember(contact_ids: Iterable[int], *, company: str | None = None) -> int:
    """Validate and keep the numbers of these contacts; returns how many."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    fields = (Contact.id, Contact.mobile, Contact.phone, Contact.country)
    rows = []
    for start in range(0, len(ids), _GROUP):
        query = Contact.select(*fields).where(Contact.id.in_(ids[start : start + _GROUP]))
        rows.extend(query.tuples())
    _keep(rows, recipients.company_country() if company is None else company)
    return len(rows)


def refresh(selection_sql: str, params: dict, company: str) -> int:
    """Read again the kept numbers of the selected contacts that are missing or
    stale. ``selection_sql`` yields ``contact_id`` (see ``planning``)."""
    sql = (
        f"SELECT c.id, c.mobile, c.phone, c.country FROM ({selection_sql}) AS sel "
        f"JOIN {CONTACT} AS c ON c.id = sel.contact_id "
        f"LEFT JOIN {NUMBERS} AS n "
        f"ON n.contact_id = c.id AND {MATCHES.format(company=':company')} "
        "WHERE n.contact_id IS NULL"
    )
    stale = db.execute_sql(*sql_named(sql, {**params, "company": company})).fetchall()
    _keep(stale, company)
    return len(stale)


def _keep(rows: list[tuple], company: str) -> None:
    if not rows:
        return
    now = sql_datetime(utcnow())
    values = [
        {**entry(mobile, phone, country, company), "contact": contact_id, "checked_at": now}
        for contact_id, mobile, phone, country in dict((row[0], row) for row in rows).values()
    ]
    with write_transaction():
        db.cursor().executemany(_INSERT.sql(), values)
