"""What a company gives a contact: the values of its fields, the ones that
would overwrite what the user typed, and the company card in the chatter."""

from __future__ import annotations

import peewee
from stdnum import vatin

from addons.partner_autocomplete import addresses, normalize, search
from addons.partner_autocomplete.models import Company, ContactCompany
from host import Contact, post_message, utcnow

# The contact's fields a company fills, in the form's order.
FIELDS = ("name", "vat", "street", "street2", "zip", "city", "country", "phone", "email", "website")
LABELS = {
    "name": "Name",
    "vat": "VAT Number",
    "street": "Street",
    "street2": "Street 2",
    "zip": "ZIP",
    "city": "City",
    "country": "Country",
    "phone": "Phone",
    "email": "Email",
    "website": "Website",
}
SOURCES = {"register": "company register", "vies": "VIES"}


def values(company: Company) -> dict[str, str]:
    """The contact fields this company fills (empty ones left out)."""
    found = {name: getattr(company, name, "") or "" for name in FIELDS}
    # The contact form takes VAT numbers python-stdnum's vatin knows; a US
    # tax id (EIN) goes to the card instead.
    if found["vat"] and not vatin.is_valid(found["vat"]):
        found["vat"] = ""
    return {name: value for name, value in found.items() if value}


def extras(company: Company) -> list[tuple[str, str]]:
    """What the company says that has no field on a contact."""
    rows = [
        ("State", addresses.region_name(company.region)),
        ("Industry", company.industry),
        ("Employees", company.employees),
        ("Founded", str(company.founded) if company.founded else ""),
        ("Legal form", company.legal_form),
        ("LEI", company.lei or ""),
        ("Tax id", company.vat if company.vat and not vatin.is_valid(company.vat) else ""),
        ("Description", company.description),
    ]
    return [(label, value) for label, value in rows if value]


def plan(current: dict[str, str], company: Company) -> tuple[dict, list[tuple[str, str, str]]]:
    """``(fill, conflicts)``: the empty fields to fill, and the typed fields
    whose value differs from the company's, as ``(field, mine, suggested)``."""
    fill, conflicts = {}, []
    for name, suggested in values(company).items():
        mine = (current.get(name) or "").strip()
        if not mine:
            fill[name] = suggested
        elif mine.casefold() != suggested.casefold():
            conflicts.append((name, mine, suggested))
    return fill, conflicts


def suggestion(hit: search.Hit) -> dict:
    """One dropdown row, as JSON."""
    company = hit.company
    return {
        "id": company.id,
        "name": company.name or "Name not disclosed (VIES)",
        "place": ", ".join(p for p in (company.city, addresses.country_name(company.country)) if p),
        "vat": company.vat,
        "domain": company.domain,
        "initials": initials(company.name),
        "logo": company.logo,
        "source": SOURCES.get(company.source, company.source),
    }


def initials(name: str) -> str:
    """The row's avatar: the first letters of the name's first two words,
    legal forms left out (``Brasserie Dupont S.A.`` -> ``BD``)."""
    parts = normalize.name_key(name or "").split() or (name or "?").split()
    letters = "".join(p[0] for p in parts[:2] if p[0].isalnum())
    return (letters or "?").upper()


def card(company: Company, used: dict[str, str]) -> str:
    """The chatter's company card: data used, source and date, and extras."""
    lines = [f"Company data: {company.name or company.vat}"]
    lines.append(f"Source: {SOURCES.get(company.source, company.source)}, {utcnow():%Y-%m-%d}")
    address = addresses.lines(company)
    if address:
        lines.append("Address: " + ", ".join(address))
    for name in FIELDS:
        if name in used and name not in ("street", "street2", "zip", "city", "country"):
            lines.append(f"{LABELS[name]}: {used[name]}")
    for label, value in extras(company):
        lines.append(f"{label}: {value}")
    return "\n".join(lines)


def link(contact: Contact, company: Company, user=None) -> bool:
    """Remember the contact came from ``company`` and post its card, once
    per contact. Returns False when the contact was linked before."""
    try:
        ContactCompany.create(contact_id=contact.id, company=company.id, created_at=utcnow())
    except peewee.IntegrityError:
        existing = ContactCompany.get(ContactCompany.contact_id == contact.id)
        if existing.company_id == company.id:
            return False
        existing.company = company.id
        existing.save()
    used = {name: getattr(contact, name, "") for name in FIELDS if getattr(contact, name, "")}
    post_message(contact, card(company, used), kind="company", author=user)
    return True


def apply(contact: Contact, company: Company, use_suggested: set[str]) -> dict[str, str]:
    """Fill the contact's empty fields from ``company``, and the typed ones
    named in ``use_suggested``; returns what was written."""
    current = {name: getattr(contact, name, "") or "" for name in FIELDS}
    fill, conflicts = plan(current, company)
    fill.update({name: theirs for name, _mine, theirs in conflicts if name in use_suggested})
    for name, value in fill.items():
        setattr(contact, name, value[: getattr(Contact, name).max_length])
    if fill:
        contact.updated_at = utcnow()
        contact.save()
    return fill
