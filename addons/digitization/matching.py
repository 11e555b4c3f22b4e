"""Which contact a bill comes from, and whether the bill was recorded before.

A vendor is found by VAT number first, then by a close name: both names are
lowered, stripped of punctuation and of legal forms (SA, BV, GmbH, Ltd…), and
compared with :class:`difflib.SequenceMatcher`; a ratio of 0.85 or more is a match.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from peewee import fn

from addons.digitization import values
from addons.digitization.models import Document
from host import Contact, db, is_postgres, utcnow

NAME_RATIO = 0.85
# PostgreSQL's advisory lock for validations that may create a vendor.
_VENDOR_LOCK_KEY = 0xD161_7E4D
_LEGAL_FORMS = """
    sa nv bv bvba srl sprl sc scrl scs sca snc cv cvba comm v vof asbl vzw
    gmbh ag kg ohg ug ev mbh
    ltd limited plc llp llc inc incorporated corp corporation co company
    sarl sas sasu eurl spa sapa oy ab as aps asa
"""
LEGAL_FORMS = frozenset(_LEGAL_FORMS.split())


def normalize_name(name: str) -> str:
    """``"Kestrel Bouw S.R.L."`` → ``"kestrel bouw"``."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    # "S.R.L." and "B.V." are single words once their dots are gone.
    text = re.sub(r"\b((?:[a-z]\.){2,})", lambda m: m.group(1).replace(".", ""), text)
    words = re.findall(r"[a-z0-9]+", text)
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def compact_vat(vat: str) -> str:
    return re.sub(r"[\s.\-]", "", vat or "").upper()


def name_ratio(a: str, b: str) -> float:
    left, right = normalize_name(a), normalize_name(b)
    if not left or not right:
        return 0.0
    return difflib.SequenceMatcher(None, left, right).ratio()


def find_vendor(vat: str, name: str) -> tuple[Contact | None, str]:
    """The contact a vendor matches, and how: ``("vat" | "name" | "")``."""
    vat = compact_vat(vat)
    if vat:
        stored = fn.UPPER(
            fn.REPLACE(fn.REPLACE(fn.REPLACE(Contact.vat, " ", ""), ".", ""), "-", "")
        )
        found = (
            Contact.select()
            .where(stored == vat)
            .order_by(Contact.is_company.desc(), Contact.id)
            .first()
        )
        if found is not None:
            return found, "vat"
    target = normalize_name(name)
    if not target:
        return None, ""
    best, best_ratio = None, NAME_RATIO
    matcher = difflib.SequenceMatcher(None, "", target)
    query = Contact.select(Contact.id, Contact.name, Contact.is_company).order_by(
        Contact.is_company.desc(), Contact.id
    )
    for contact in query.iterator():
        matcher.set_seq1(normalize_name(contact.name))
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio or (ratio == best_ratio and best is None):
            best, best_ratio = contact, ratio
    if best is None:
        return None, ""
    return Contact.get_by_id(best.id), "name"


def create_vendor(name: str, vat: str) -> Contact:
    vat = compact_vat(vat)
    country = vat[:2] if re.match(r"^[A-Z]{2}", vat) else ""
    if country == "EL":  # Greek VAT numbers start with EL, the country is GR
        country = "GR"
    return Contact.create(name=name.strip()[:128], is_company=True, vat=vat[:32], country=country)


def same_vendor(a: Document, b: Document) -> bool:
    if a.contact_id and b.contact_id:
        return a.contact_id == b.contact_id
    if a.vat and b.vat:
        return compact_vat(a.vat) == compact_vat(b.vat)
    return name_ratio(a.name, b.name) >= NAME_RATIO


def find_duplicate(document: Document) -> Document | None:
    """An earlier bill with the same vendor, number and total, if there is one."""
    if document.kind != "bill" or not document.number or not document.total:
        return None
    number = document.number.strip().lower()
    candidates = (
        Document.select()
        .where(
            (Document.kind == "bill")
            & (Document.id != document.id)
            & (fn.LOWER(Document.number) == number)
        )
        .order_by(Document.id)
    )
    for other in candidates:
        if values.same_amount(other.total, document.total) and same_vendor(document, other):
            return other
    return None


# refresh_columns' create_vendor flag hides the function of that name.
_new_vendor = create_vendor


def take_vendor_turn() -> None:
    """In a transaction that may create a vendor, before it locks anything
    else: such transactions take turns until they commit, so two bills of
    one new vendor validated at once create one contact, not two that each
    found none. PostgreSQL's advisory lock; SQLite's write transaction
    already holds the database's one write lock.

    Before the document's row lock, not after: the first validation's
    bill may name the second's as its duplicate, a foreign key that waits
    for the second's row lock while the second waits for this turn."""
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_VENDOR_LOCK_KEY,))


def refresh_columns(document: Document, *, match_vendor: bool, create_vendor: bool = False) -> str:
    """Copy the current values to the list columns, find the vendor and duplicates.

    Returns a note on the vendor ("Vendor matched…") when one was matched or
    created. With ``create_vendor``, call :func:`take_vendor_turn` first."""
    kind = document.kind_info
    current = document.values()

    def text(name, size):
        value = current.get(name) if name else None
        return str(value).strip()[:size] if value not in (None, "") else ""

    document.name = text(kind.name_field, 255)
    document.number = text(kind.number_field, 64)
    document.date = text(kind.date_field, 10)
    document.total = text(kind.total_field, 32)
    document.currency = text("currency", 3) if "currency" in kind.field_names else ""
    document.vat = text("vendor_vat", 32) if kind.key == "bill" else ""
    note = ""
    if kind.key == "bill" and match_vendor:
        contact, how = find_vendor(document.vat, document.name)
        if contact is None and create_vendor and document.name:
            contact, how = _new_vendor(document.name, document.vat), "created"
        document.contact, document.contact_match = contact, how
        if contact is not None:
            note = {
                "vat": f"Vendor matched to contact {contact.name} by VAT number.",
                "name": f"Vendor matched to contact {contact.name} by name.",
                "created": f"Contact {contact.name} created for the vendor.",
            }[how]
    duplicate = find_duplicate(document)
    document.duplicate_of = duplicate
    document.updated_at = utcnow()
    document.save(
        only=[
            Document.name,
            Document.number,
            Document.date,
            Document.total,
            Document.currency,
            Document.vat,
            Document.contact,
            Document.contact_match,
            Document.duplicate_of,
            Document.updated_at,
        ]
    )
    return note
