"""Leads: made from what a provider returned, their company card, and their
conversion into a host contact."""

from __future__ import annotations

from addons.lead_generation import crm
from addons.lead_generation.models import Lead, LeadPerson
from addons.lead_generation.providers.base import Found
from addons.lead_generation.taxonomy import sic_label
from host import (
    Contact,
    db,
    email_address,
    notify_saved,
    post_message,
    utcnow,
    website_url,
)

CHATTER_MODEL = "lead_generation.lead"
LEGITIMATE_INTEREST = (
    "Company data from the lead provider, processed under legitimate interest "
    "(GDPR art. 6(1)(f)): tell the people you contact where you found them."
)


def keys(found: Found) -> list[str]:
    company = found.company
    return crm.keys_of(
        company.get("domain") or crm.domain_of(company.get("website", "")), company.get("vat", "")
    )


def card(found: Found) -> str:
    """The company card posted in a new lead's chatter."""
    c = found.company
    lines = [f"Company card: {c.get('name', '')}"]
    if c.get("sic_group"):
        lines.append(f"Industry: {sic_label(c['sic_group'])}")
    if c.get("employees"):
        lines.append(f"Employees: {c['employees']:,}")
    if c.get("revenue_band"):
        lines.append(f"Revenue: {c['revenue_band']}")
    if c.get("founded"):
        lines.append(f"Founded: {c['founded']}")
    place = ", ".join(p for p in (c.get("city"), c.get("state"), c.get("country")) if p)
    if place:
        lines.append(f"Location: {place}")
    for label, name in (("Website", "website"), ("LinkedIn", "linkedin"), ("Twitter", "twitter")):
        if c.get(name):
            lines.append(f"{label}: {c[name]}")
    for person in found.people:
        title = f", {person['job_title']}" if person.get("job_title") else ""
        lines.append(f"Contact: {person['name']}{title}")
    lines.append(LEGITIMATE_INTEREST)
    return "\n".join(lines)


def create(found: Found, *, source: str, defaults: dict, claimed: list[str]) -> Lead:
    """Store a lead for ``found`` (inside the charge's capture transaction)."""
    c = found.company
    first = found.people[0] if found.people else {}
    domain = c.get("domain") or crm.domain_of(c.get("website", ""))
    with db.atomic():
        lead = Lead.create(
            company_name=c.get("name", "")[:255],
            contact_name=first.get("name", ""),
            job_title=first.get("job_title", ""),
            email=first.get("email") or c.get("email", ""),
            phone=first.get("phone") or c.get("phone", ""),
            website=c.get("website", ""),
            domain=domain or None,
            vat=crm.vat_key(c.get("vat", "")) or None,
            country=c.get("country", ""),
            state=c.get("state", ""),
            sic_group=c.get("sic_group", ""),
            employees=c.get("employees") or None,
            source=source,
            provider_uid=str(c.get("uid", ""))[:64],
            created_at=utcnow(),
            **defaults,
        )
        for person in found.people:
            LeadPerson.create(
                lead=lead,
                **{
                    k: person.get(k, "") or ""
                    for k in ("name", "job_title", "email", "phone", "role", "seniority")
                },
            )
        crm.attach(claimed, lead.id)
        post_message(model=CHATTER_MODEL, res_id=lead.id, body=card(found), kind="company")
    return lead


def convert_to_contact(lead: Lead, user=None) -> Contact:
    """Turn a lead into a host contact (its company, and its first contact as a
    person of it); the lead keeps the link. Converting again opens the same contact."""
    if lead.contact_id:
        existing = Contact.get_or_none(Contact.id == lead.contact_id)
        if existing is not None:
            return existing
    website, email = _or_nothing(website_url, lead.website), _or_nothing(email_address, lead.email)
    with db.atomic():
        company = Contact.create(
            name=lead.company_name or lead.contact_name or f"Lead {lead.id}",
            is_company=True,
            phone=lead.phone[:32] if not lead.contact_name else "",
            website=website,
            country=lead.country,
            vat=lead.vat or "",
        )
        contact = company
        if lead.contact_name:
            contact = Contact.create(
                name=lead.contact_name,
                company_name=company.name,
                email=email,
                phone=lead.phone[:32],
                country=lead.country,
            )
        lead.contact_id = contact.id
        lead.save()
        post_message(
            model=CHATTER_MODEL,
            res_id=lead.id,
            author=user,
            kind="log",
            body=f"Converted to contact {contact.name}.",
        )
    notify_saved("contact", [company.id] + ([contact.id] if contact.id != company.id else []))
    return contact


def _or_nothing(check, value: str | None) -> str:
    """``check(value)``, or ``""`` when a provider's value would not pass the contact
    form (the lead keeps it; the contact is made without it)."""
    try:
        return check(value)
    except ValueError:
        return ""
