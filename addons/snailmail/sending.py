"""Sending one letter: the claim, the printable PDF, the price, the charge and the hand-over.

A letter is claimed (``pending`` → ``sending``, its attempt counted) so one
worker at a time hands it over. Its credits are held while the print shop
takes it and captured, in the same transaction as the ``sent`` mark, when
the shop accepts it; any refusal releases them. The capture only counts if
the letter is still this attempt's, so a worker taken for dead that wakes up
late never charges a letter twice; the shop never posts it twice either,
because every attempt hands it over under the letter's ``uid``.
"""

from __future__ import annotations

import json

from addons.iap import InsufficientCreditError, charge
from addons.snailmail import config, pricing, shops, tracking
from addons.snailmail.errors import CREDIT_ERROR, TRIAL_ERROR, UNKNOWN_ERROR, LetterError
from addons.snailmail.models import Letter
from addons.snailmail.printable import prepare_letter
from addons.snailmail.providers.base import Outgoing, ShopError
from host import Contact, db, find_document, utcnow

SERVICE = "snailmail"


class _LostClaim(Exception):
    """Another attempt took the letter over: this one must not capture."""


def contact_address(contact: Contact) -> dict:
    """A contact's address with Odoo's partner field names."""
    return {
        "name": contact.name or "",
        "company_name": (contact.company_name or "") if not contact.is_company else "",
        "street": getattr(contact, "street", "") or "",
        "street2": getattr(contact, "street2", "") or "",
        "zip": getattr(contact, "zip", "") or "",
        "city": getattr(contact, "city", "") or "",
        "state": getattr(contact, "state", "") or "",
        "country_code": (getattr(contact, "country", "") or "").upper(),
    }


def recipient_address(document) -> dict:
    """The address a record's document goes to (its recipient, without the email)."""
    recipient = document.get_recipient() if document is not None else None
    if recipient is None:
        return {}
    return {key: recipient[key] for key in recipient if key != "email"}


def current_address(letter: Letter) -> dict:
    """The letter's address as it is now, so a fixed address is used on
    retry: its contact's, else its document's recipient, else the one it was
    composed with."""
    if letter.contact_id:
        contact = Contact.get_or_none(Contact.id == letter.contact_id)
        if contact is not None:
            return contact_address(contact)
    if letter.document_id and letter.res_id is not None:
        try:
            return recipient_address(find_document(letter.model, letter.res_id, letter.document_id))
        except LookupError:
            pass
    return letter.address_dict


def claim(letter_id: int) -> int | None:
    """``pending`` → ``sending``; the attempt number, or None if someone else has it."""
    now = utcnow()
    with db.atomic():
        taken = (
            Letter.update(
                state="sending", attempts=Letter.attempts + 1, claimed_at=now, updated_at=now
            )
            .where((Letter.id == letter_id) & (Letter.state == "pending"))
            .execute()
        )
        if not taken:
            return None
        attempt = Letter.select(Letter.attempts).where(Letter.id == letter_id).scalar()
        tracking.follow(Letter.get_by_id(letter_id))
    return attempt


def fail(letter_id: int, attempt: int, code: str, message: str, *, new_uid: bool = False) -> bool:
    """This attempt ends in ``error``; ``new_uid`` when the shop refused the
    letter for good, so a retry is a new letter there."""
    import uuid

    fields = {
        Letter.state: "error",
        Letter.error_code: code,
        Letter.error_message: message[:512],
        Letter.updated_at: utcnow(),
        Letter.unknown_errors: Letter.unknown_errors + 1 if code == UNKNOWN_ERROR else 0,
    }
    if code == UNKNOWN_ERROR:
        row = Letter.get_or_none(Letter.id == letter_id)
        if row is not None and row.unknown_errors + 1 > config.unknown_retries():
            tries = row.unknown_errors + 1
            fields[Letter.error_message] = (
                f"{message} Gave up after {tries} tries: check the print shop "
                "(Settings), then Retry."
            )[:512]
    if new_uid:
        fields[Letter.uid] = str(uuid.uuid4())
    with db.atomic():
        changed = (
            Letter.update(fields)
            .where(
                (Letter.id == letter_id)
                & (Letter.state == "sending")
                & (Letter.attempts == attempt)
            )
            .execute()
        )
        if changed:
            tracking.follow(Letter.get_by_id(letter_id))
    return bool(changed)


def _mark_sent(letter_id: int, attempt: int, shop_key: str, handed, credits, hold_id) -> None:
    now = utcnow()
    changed = (
        Letter.update(
            state="sent",
            provider=shop_key,
            provider_id=handed.provider_id,
            shop_state=handed.state,
            shop_updated_at=now,
            charged=credits,
            hold_id=hold_id,
            error_code="",
            error_message="",
            sent_at=now,
            updated_at=now,
        )
        .where(
            (Letter.id == letter_id) & (Letter.state == "sending") & (Letter.attempts == attempt)
        )
        .execute()
    )
    if changed != 1:
        raise _LostClaim(letter_id)
    tracking.follow(Letter.get_by_id(letter_id))


def _prepare(letter: Letter, attempt: int):
    """The printable PDF and its price, saved on the letter (or LetterError)."""
    address = current_address(letter)
    printable = prepare_letter(
        bytes(letter.document),
        address,
        cover=letter.cover,
        window=letter.window,
        duplex=letter.duplex,
    )
    credits = pricing.price(
        address.get("country_code", ""),
        printable.sheets,
        color=letter.color,
        delivery=letter.delivery,
    )
    Letter.update(
        printable=printable.pdf,
        pages=printable.pages,
        sheets=printable.sheets,
        credits=credits,
        address=json.dumps(address),
    ).where((Letter.id == letter.id) & (Letter.attempts == attempt)).execute()
    return printable, credits, address


def send(letter_id: int) -> Letter:
    """Send one ``pending`` letter now; returns it in its new state."""
    attempt = claim(letter_id)
    letter = Letter.get_by_id(letter_id)
    if attempt is None:
        return letter
    try:
        printable, credits, address = _prepare(letter, attempt)
        shop = shops.active()
    except LetterError as exc:
        fail(letter_id, attempt, exc.code, str(exc))
        return Letter.get_by_id(letter_id)
    except ShopError as exc:
        fail(letter_id, attempt, exc.code, exc.message)
        return Letter.get_by_id(letter_id)
    except Exception as exc:  # a PDF pypdf chokes on: the letter says so, never stays sending
        fail(
            letter_id,
            attempt,
            UNKNOWN_ERROR,
            f"The letter could not be prepared ({type(exc).__name__}).",
        )
        return Letter.get_by_id(letter_id)
    outgoing = Outgoing(
        id=letter.id,
        uid=letter.uid,
        pdf=printable.pdf,
        filename=letter.filename,
        window=letter.window,
        color=letter.color,
        duplex=letter.duplex,
        delivery=letter.delivery,
        country=address.get("country_code", ""),
    )
    try:
        with charge(
            SERVICE,
            credits,
            description=f"Letter to {address.get('name', '')}"[:200],
            reference=f"snailmail.letter:{letter.id}",
            idempotency_key=f"snailmail.letter:{letter.uid}:{attempt}",
        ) as tx:
            if tx.replayed:
                # This attempt was handed over and paid for already (and marked
                # sent with the capture): posting it again would post it twice.
                return Letter.get_by_id(letter_id)
            handed = shop.submit(outgoing)
            hold_id = tx.hold_id
            tx.on_capture(
                lambda: _mark_sent(letter.id, attempt, shop.key, handed, credits, hold_id)
            )
    except InsufficientCreditError as exc:
        if exc.trial_only:
            fail(letter_id, attempt, TRIAL_ERROR, trial_message(exc))
        else:
            fail(letter_id, attempt, CREDIT_ERROR, credit_message(exc))
    except ShopError as exc:
        fail(letter_id, attempt, exc.code, exc.message, new_uid=not exc.maybe_taken)
    except _LostClaim:
        pass  # a later attempt owns the letter; this one captured nothing
    except Exception as exc:  # the shop's client broke: keep the letter, say so
        fail(
            letter_id,
            attempt,
            UNKNOWN_ERROR,
            f"Unexpected error while posting: {type(exc).__name__}",
        )
    else:
        shop.after_accepted(letter.id)
    return Letter.get_by_id(letter_id)


def credit_message(exc: InsufficientCreditError) -> str:
    return (
        f"Not enough snailmail credits: {exc.required.normalize():f} needed, "
        f"{exc.available.normalize():f} available. Buy credits, then retry."
    )


def trial_message(exc: InsufficientCreditError) -> str:
    return (
        f"The free trial snailmail credits are used up: {exc.required.normalize():f} needed, "
        f"{exc.available.normalize():f} left. Buy credits to keep posting letters, then retry."
    )


def requeue(letter_ids, *, by_hand: bool = False) -> list[int]:
    """``error`` → ``pending`` for a retry; returns the letters requeued.
    ``by_hand``: a person's Retry, which starts the print shop's count afresh."""
    ids = list(letter_ids)
    if not ids:
        return []
    now = utcnow()
    with db.atomic():
        rows = list(Letter.select(Letter.id).where(Letter.id.in_(ids) & (Letter.state == "error")))
        requeued = [r.id for r in rows]
        if requeued:
            fields = {Letter.state: "pending", Letter.updated_at: now}
            if by_hand:
                fields[Letter.unknown_errors] = 0
            Letter.update(fields).where(
                Letter.id.in_(requeued) & (Letter.state == "error")
            ).execute()
            for letter in Letter.select().where(Letter.id.in_(requeued)):
                tracking.follow(letter)
    return requeued
