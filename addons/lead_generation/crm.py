"""The companies the CRM knows, by domain and VAT, and the claims on them.

A company is returned to the CRM once: before a request pays for a company
it claims the company's keys (``domain:…``, ``vat:…``), unique in the
database, so two requests at once cannot both pay for it. Host contacts add
their keys when saved.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import peewee

from addons.lead_generation.models import CrmKey
from host import Contact, db

_VAT = re.compile(r"[^A-Z0-9]")


def domain_of(website: str) -> str:
    """``https://www.Example.com/about`` → ``example.com``; empty when none."""
    text = (website or "").strip().lower()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")


def vat_key(vat: str) -> str:
    return _VAT.sub("", (vat or "").upper())


def keys_of(domain: str, vat: str) -> list[str]:
    keys = []
    if domain:
        keys.append(f"domain:{domain.lower()}")
    if vat_key(vat):
        keys.append(f"vat:{vat_key(vat)}")
    return keys


def claim(keys: list[str], *, request_id: int | None = None) -> bool:
    """Take ``keys`` for a company about to be paid for; False when any is known."""
    if not keys:
        return True
    try:
        with db.atomic():
            for key in keys:
                CrmKey.create(key=key, request_id=request_id)
    except peewee.IntegrityError:
        # Claimed by this very request before its worker died: still ours.
        held = CrmKey.select().where(CrmKey.key.in_(keys))
        return request_id is not None and len(keys) == sum(
            1 for k in held if k.request_id == request_id and k.lead_id is None
        )
    return True


def release(keys: list[str]) -> None:
    """Give back keys claimed for a company that was not paid for."""
    if keys:
        CrmKey.delete().where(CrmKey.key.in_(keys) & CrmKey.lead_id.is_null()).execute()


def attach(keys: list[str], lead_id: int) -> None:
    if keys:
        CrmKey.update(lead_id=lead_id).where(CrmKey.key.in_(keys)).execute()


def remember_contacts(ids) -> int:
    """Record the domains and VAT numbers of host contacts (saved or all)."""
    query = Contact.select(Contact.id, Contact.website, Contact.vat, Contact.is_company)
    if ids is not None:
        query = query.where(Contact.id.in_(list(ids)))
    added = 0
    for contact in query:
        for key in keys_of(domain_of(contact.website), contact.vat):
            try:
                with db.atomic():
                    CrmKey.create(key=key, contact_id=contact.id)
                added += 1
            except peewee.IntegrityError:
                continue
    return added


def forget_contacts(ids: list[int]) -> None:
    """Deleted contacts: the companies only they made known are unknown
    again (a request may find them); a lead's key stays, unlinked."""
    mine = CrmKey.contact_id.in_(ids)
    CrmKey.delete().where(mine & CrmKey.lead_id.is_null() & CrmKey.request_id.is_null()).execute()
    CrmKey.update(contact_id=None).where(mine).execute()
