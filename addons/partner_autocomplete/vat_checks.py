"""VIES checks of contacts' VAT numbers, and VIES as a source of company data.

A company contact saved with an EU number (checked offline first) gets a
:class:`VatCheck` and a job asks VIES. A transient fault (``MS_UNAVAILABLE``…)
leaves the check ``unavailable`` and asks again later, 1, 2, 4… minutes
apart; any other fault is final. A name or address VIES does not disclose
(``---``) is shown as such and never written anywhere.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app

from addons.partner_autocomplete import config, name_index, vat, vies
from addons.partner_autocomplete.models import Company, VatCheck
from host import Contact, job, utcnow

LABELS = {
    "pending": "VIES: checking…",
    "invalid": "VIES: not valid",
    "unavailable": "VIES: unavailable, will retry",
}


def label(check: VatCheck) -> str:
    if check.state == "valid":
        return f"VIES: valid on {check.checked_on.isoformat()}"
    if check.state == "failed":
        return f"VIES: not checked ({check.detail})"
    return LABELS.get(check.state, check.state)


def _number(contact: Contact) -> vat.VatNumber | None:
    if not contact.vat:
        return None
    try:
        number = vat.parse(contact.vat, contact.country)
    except vat.VatError:
        return None
    return number if number.in_vies else None


def remember(contact_ids: list[int]) -> list[int]:
    """Start a check for the contacts whose EU VAT number is new or changed;
    returns the ids of the contacts to check."""
    if not config.switch("vies"):
        return []
    due = []
    for contact in Contact.select().where(Contact.id.in_(contact_ids)):
        number = _number(contact)
        existing = VatCheck.get_or_none(VatCheck.contact_id == contact.id)
        if number is None:
            if existing is not None:
                existing.delete_instance()
            continue
        if existing is not None and existing.vat == number.compact:
            continue
        VatCheck.insert(
            contact_id=contact.id, vat=number.compact, state="pending", attempts=0, detail=""
        ).on_conflict(
            conflict_target=[VatCheck.contact_id],
            update={
                VatCheck.vat: number.compact,
                VatCheck.state: "pending",
                VatCheck.attempts: 0,
                VatCheck.detail: "",
                VatCheck.updated_at: utcnow(),
            },
        ).execute()
        due.append(contact.id)
    return due


def run(contact_id: int) -> str | None:
    """Ask VIES about one contact's number; returns the check's new state,
    or None when there was nothing to check. Schedules a retry when VIES is
    temporarily unavailable."""
    check = VatCheck.get_or_none(VatCheck.contact_id == contact_id)
    if check is None or check.state not in ("pending", "unavailable"):
        return None
    number = vat.parse(check.vat)
    attempts = check.attempts + 1
    changes = {VatCheck.attempts: attempts, VatCheck.updated_at: utcnow()}
    retry_in = None
    try:
        result = vies.check(
            number.prefix, number.number, url=config.vies_url(), timeout=config.vies_timeout()
        )
    except vies.ViesError as exc:
        limit = current_app.config["PARTNER_AUTOCOMPLETE_VIES_ATTEMPTS"]
        if exc.retryable and attempts < limit:
            base = current_app.config["PARTNER_AUTOCOMPLETE_VIES_RETRY_DELAY"]
            retry_in = vies.retry_delay(attempts, base=base)
            changes.update(
                {
                    VatCheck.state: "unavailable",
                    VatCheck.detail: str(exc)[:255],
                    VatCheck.next_try_at: utcnow() + dt.timedelta(seconds=retry_in),
                }
            )
        else:
            detail = str(exc) if not exc.retryable else f"{exc}, {attempts} tries"
            changes.update({VatCheck.state: "failed", VatCheck.detail: detail[:255]})
    else:
        changes.update(
            {
                VatCheck.state: "valid" if result.valid else "invalid",
                VatCheck.detail: "",
                VatCheck.checked_on: result.request_date,
                VatCheck.vies_name: "---" if result.name_undisclosed else (result.name or ""),
                VatCheck.vies_address: "---"
                if result.address_undisclosed
                else (result.address or ""),
                VatCheck.next_try_at: None,
            }
        )
    # Only the check this job read: a number changed meanwhile starts afresh.
    VatCheck.update(changes).where(
        (VatCheck.id == check.id) & (VatCheck.vat == check.vat)
    ).execute()
    if retry_in is not None:
        vies_check.schedule(args=(contact_id,), delay=retry_in)
    return changes.get(VatCheck.state)


@job(name="partner_autocomplete.vies_check")
def vies_check(contact_id: int):
    """Ask VIES about a contact's VAT number (it reschedules itself while
    VIES is temporarily unavailable)."""
    return run(contact_id)


def due_retries(now: dt.datetime | None = None) -> list[int]:
    """Contacts whose retry time passed (a scheduled retry lost with its worker)."""
    now = now or utcnow()
    rows = VatCheck.select(VatCheck.contact_id).where(
        (VatCheck.state == "unavailable") & (VatCheck.next_try_at <= now)
    )
    return [row.contact_id for row in rows]


def _address(text: str) -> dict[str, str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    found = {}
    if lines:
        last = re.match(r"^(?:[A-Z]{1,2}-)?(\S*\d\S*)\s+(.+)$", lines[-1])
        if last:
            found["zip"], found["city"] = last.group(1), last.group(2).title()
            lines = lines[:-1]
    if lines:
        found["street"] = lines[0].title()
    if len(lines) > 1:
        found["street2"] = lines[1].title()
    return found


def lookup(number: vat.VatNumber) -> Company | None:
    """The company VIES knows under ``number``, kept in the register as a
    ``vies`` company; None when VIES says the number is not valid.
    Raises ``ViesError`` when VIES gives no verdict."""
    result = vies.check(
        number.prefix, number.number, url=config.vies_url(), timeout=config.vies_timeout()
    )
    if not result.valid:
        return None
    record = {
        "source": "vies",
        "name": (result.name or "")[:255],
        "name_key": "",
        "vat": number.compact,
        "vat_digits": number.number,
        "country": number.country,
        "updated_at": utcnow(),
        **_address(result.address or ""),
    }
    from addons.partner_autocomplete import normalize

    record["name_key"] = normalize.name_key(record["name"]) if record["name"] else ""
    company = Company.get_or_none((Company.vat == number.compact) & (Company.source == "vies"))
    if company is None:
        company = Company.create(**record)
        name_index.add([company.id])
    else:
        Company.update(**record).where(Company.id == company.id).execute()
        company = Company.get_by_id(company.id)
    return company
