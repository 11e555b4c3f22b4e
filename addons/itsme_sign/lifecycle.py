"""A sign request from draft to signed: upload, signers, fields, Send, Cancel, expiry.

Signing itself (a signer's Sign and Decline) is in ``signing``; the signed
PDF in ``stamping`` and ``certificate``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from addons.itsme_sign import config, pdfs, signers
from addons.itsme_sign.models import FIELD_KINDS, Field, Page, Role, Signer, SignRequest
from host import locked, post_message, send_mail_template, utcnow, write_transaction

MODEL = "itsme_sign.request"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A field's size in PDF points when it is placed by a click (its top left there).
FIELD_SIZES = {
    "signature": (160.0, 50.0),
    "date": (90.0, 18.0),
    "name": (150.0, 18.0),
    "text": (150.0, 18.0),
}


class SignError(ValueError):
    """A sender's input that cannot be used; the message says why."""


@dataclass(frozen=True)
class SendReport:
    """What Send did, and what the sender should know."""

    mailed: list[str]
    warnings: list[str]


def log(sign_request: SignRequest, body: str, **kwargs) -> None:
    post_message(model=MODEL, res_id=sign_request.id, body=body, kind="log", **kwargs)


def create(name: str, filename: str, data: bytes, author) -> SignRequest:
    """A draft request for an uploaded PDF; :class:`pdfs.PdfRefused` when it cannot be signed."""
    name = (name or "").strip() or (filename or "").rsplit(".", 1)[0].strip()
    if not name:
        raise SignError("Give the document a name.")
    if len(data) > current_app.config["ITSME_SIGN_MAX_FILE_SIZE"]:
        raise pdfs.PdfRefused("This file is too large to be signed.")
    sizes = pdfs.check(data, max_pages=current_app.config["ITSME_SIGN_MAX_PAGES"])
    pictures = pdfs.render_pages(data)
    with write_transaction():
        sign_request = SignRequest.create(
            name=name[:200],
            filename=(filename or "document.pdf")[:255],
            original=data,
            original_sha256=hashlib.sha256(data).hexdigest(),
            page_count=len(sizes),
            author=author,
        )
        for number, size in enumerate(sizes, start=1):
            png = pictures[number - 1] if number <= len(pictures) else b""
            Page.create(
                request=sign_request,
                number=number,
                width=size.width,
                height=size.height,
                png=png,
            )
        log(sign_request, f"Document uploaded: {sign_request.filename}, {len(sizes)} page(s).")
    return sign_request


def _draft(sign_request: SignRequest) -> None:
    if sign_request.state != "draft":
        raise SignError(f"The request is {sign_request.state}: only a draft can be changed.")


def role_named(name: str, *, create: bool) -> Role:
    """The role of that name; a new one only when ``create`` (a manager's choice),
    else :class:`SignError` naming the roles there are."""
    name = (name or "").strip()
    if not name:
        raise SignError("Give the signer a role (Customer, Employee…).")
    role = Role.get_or_none(Role.name == name[:64])
    if role is not None:
        return role
    if not create:
        existing = ", ".join(r.name for r in Role.select(Role.name).order_by(Role.name))
        raise SignError(
            f"There is no role named {name[:64]!r}: pick an existing role"
            + (f" ({existing})" if existing else "")
            + " or ask an itsme Sign manager to create it."
        )
    return Role.create(name=name[:64])


def add_signer(
    sign_request: SignRequest,
    *,
    name: str,
    email: str,
    role: str,
    order: int = 1,
    country: str = "",
    language: str = "en",
    create_role: bool = False,
) -> Signer:
    """A signer of a draft ``sign_request``, in the existing ``role`` (its name).

    Roles are chosen, as in Odoo: a role decides whether its signers identify
    with itsme, so a misspelt name must not quietly make a new role that asks
    for nothing. An unknown name raises :class:`SignError` listing the roles
    there are, unless ``create_role=True`` (what an itsme Sign Manager's form
    does) makes it, without itsme until a manager says so on the Roles page.
    """
    _draft(sign_request)
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name:
        raise SignError("Give the signer's name.")
    if not email:
        raise SignError(f"{name} has no email address: a signer is reached by mail.")
    if len(email) > 254 or not _EMAIL.match(email):
        raise SignError(f"{email!r} is not an email address.")
    country = (country or "").strip().upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise SignError("The country is a two-letter code (BE, NL, FR…).")
    if not 1 <= int(order) <= 99:
        raise SignError("The signing order is a number from 1 to 99.")
    the_role = role_named(role, create=create_role)
    duplicate = Signer.get_or_none(
        (Signer.request == sign_request) & (Signer.email == email) & (Signer.role == the_role)
    )
    if duplicate is not None:
        raise SignError(f"{email} already signs this document as {the_role.name}.")
    return Signer.create(
        request=sign_request,
        name=name[:200],
        email=email,
        role=the_role,
        order=int(order),
        country=country,
        language=(language or "en")[:8],
    )


def remove_signer(sign_request: SignRequest, signer_id: int) -> None:
    _draft(sign_request)
    Signer.delete().where((Signer.id == signer_id) & (Signer.request == sign_request)).execute()


def place_field(
    sign_request: SignRequest,
    *,
    signer_id: int,
    kind: str,
    page: int,
    x: float,
    y: float,
    width: float | None = None,
    height: float | None = None,
) -> Field:
    """A field for a signer at (``x``, ``y``) points from the page's top left."""
    _draft(sign_request)
    if kind not in FIELD_KINDS:
        raise SignError(f"{kind!r} is not a kind of field ({', '.join(FIELD_KINDS)}).")
    signer = Signer.get_or_none((Signer.id == signer_id) & (Signer.request == sign_request))
    if signer is None:
        raise SignError("Choose a signer of this document for the field.")
    the_page = Page.get_or_none((Page.request == sign_request) & (Page.number == page))
    if the_page is None:
        raise SignError(f"The document has no page {page}.")
    default_w, default_h = FIELD_SIZES[kind]
    width = default_w if width is None else float(width)
    height = default_h if height is None else float(height)
    x, y = float(x), float(y)
    if not all(v == v for v in (x, y, width, height)) or width <= 0 or height <= 0:
        raise SignError("The field needs a position and a size.")
    if x < 0 or y < 0 or x + width > the_page.width + 0.01 or y + height > the_page.height + 0.01:
        raise SignError(
            f"The field does not fit on page {page} "
            f"({the_page.width:.0f} × {the_page.height:.0f} pt): place it inside the page."
        )
    return Field.create(
        request=sign_request,
        signer=signer,
        kind=kind,
        page=page,
        x=x,
        y=y,
        width=width,
        height=height,
    )


def remove_field(sign_request: SignRequest, field_id: int) -> None:
    _draft(sign_request)
    Field.delete().where((Field.id == field_id) & (Field.request == sign_request)).execute()


def problems(sign_request: SignRequest) -> list[str]:
    """What stops Send."""
    found = []
    signer_list = list(sign_request.signers)
    if not signer_list:
        found.append("Add at least one signer.")
    for signer in signer_list:
        kinds = {f.kind for f in signer.fields}
        if "signature" not in kinds:
            found.append(f"Place a signature field for {signer.name}.")
    return found


def credit_shortfall(sign_request: SignRequest) -> int:
    """How many more itsme identifications the signers still to sign need than
    the balance covers (1 credit each); 0 when covered."""
    from addons.iap import balance

    needing = [
        s
        for s in sign_request.signers
        if s.state in ("waiting", "sent")
        and signers.itsme_required(s)
        and signers.itsme_available(s)
        and not s.identified
    ]
    if not needing:
        return 0
    return max(0, len(needing) - int(balance("itsme_sign")))


def warnings(sign_request: SignRequest) -> list[str]:
    """What the sender should know before sending: itsme outside BE and NL, credits."""
    from addons.iap import balance

    found = []
    needing = [s for s in sign_request.signers if signers.itsme_required(s)]
    for signer in needing:
        if not signers.itsme_available(signer):
            found.append(
                f"{signer.name}'s role ({signer.role.name}) requires itsme, which is not "
                f"available in {signer.country or 'an unknown country'} (only Belgium and the "
                "Netherlands): this signer cannot sign."
            )
    available = [s for s in needing if signers.itsme_available(s)]
    if available and importlib.util.find_spec("addons.itsme_sign.itsme_client"):
        from addons.itsme_sign import itsme_client

        if not itsme_client.configured():
            found.append(
                "itsme identification is not set up on this server yet: signers whose role "
                "requires it cannot sign until an administrator sets it up."
            )
    credits = balance("itsme_sign")
    if available and credits < len(available):
        shown = int(credits) if credits == credits.to_integral_value() else credits.normalize()
        found.append(
            f"itsme identifications cost 1 credit each; {len(available)} needed, "
            f"{shown} available. Buy credits before the signers identify."
        )
    return found


def _mail_link(signer: Signer, sender_name: str) -> None:
    sign_request = signer.request
    send_mail_template(
        "itsme_sign.request",
        to=signer.email,
        values={
            "signer": signer.name,
            "sender": sender_name,
            "document": sign_request.name,
            "link": signers.signer_url(signer, external=True),
            "days": config.link_days(),
        },
    )


def _sender_name(sign_request: SignRequest) -> str:
    author = sign_request.author
    return (author.name or author.email) if author else "IAP Host"


def _mail_next(sign_request: SignRequest) -> list[Signer]:
    """Give the next signers in order their link: the lowest order not yet signed."""
    pending = [s for s in sign_request.signers if s.state in ("waiting", "sent")]
    if not pending:
        return []
    turn = min(s.order for s in pending)
    mailed = []
    for signer in pending:
        if signer.order != turn or signer.state != "waiting":
            continue
        Signer.update(state="sent", sent_at=utcnow()).where(Signer.id == signer.id).execute()
        signer.state = "sent"
        _mail_link(signer, _sender_name(sign_request))
        log(sign_request, f"Signing link mailed to {signer.name} ({signer.email}).")
        mailed.append(signer)
    return mailed


def send(sign_request: SignRequest) -> SendReport:
    """Send: every signer gets a link, the first in order now, the others when their turn comes."""
    found = problems(sign_request)
    if found:
        raise SignError(" ".join(found))
    notes = warnings(sign_request)
    with write_transaction():
        current = locked(SignRequest.select().where(SignRequest.id == sign_request.id)).get()
        _draft(current)
        now = utcnow()
        SignRequest.update(
            state="sent", sent_at=now, expires_at=now + timedelta(days=config.link_days())
        ).where(SignRequest.id == current.id).execute()
        for signer in current.signers:
            Signer.update(access_nonce=signers.new_nonce(), state="waiting").where(
                Signer.id == signer.id
            ).execute()
        current = SignRequest.get_by_id(current.id)
        log(current, "Sent for signature.", state="sent")
        mailed = _mail_next(current)
    return SendReport([s.name for s in mailed], notes)


def advance(sign_request_id: int) -> str:
    """After a signature: mail the next signers, or finish when all have signed.
    Call inside the signing transaction."""
    sign_request = SignRequest.get_by_id(sign_request_id)
    if all(s.state == "signed" for s in sign_request.signers):
        return "complete"
    _mail_next(sign_request)
    return "next"


def cancel(sign_request: SignRequest, reason: str = "") -> None:
    with write_transaction():
        current = locked(SignRequest.select().where(SignRequest.id == sign_request.id)).get()
        if current.state not in ("draft", "sent"):
            raise SignError(f"The request is {current.state}: it cannot be canceled.")
        SignRequest.update(state="canceled", reason=(reason or "")[:1000]).where(
            SignRequest.id == current.id
        ).execute()
        # Every link sent dies with the nonce it carried.
        Signer.update(access_nonce="").where(Signer.request == current).execute()
        log(current, "Canceled." + (f" Reason: {reason}" if reason else ""), state="canceled")


def _all_signed(request_id: int) -> bool:
    states = [s.state for s in Signer.select(Signer.state).where(Signer.request == request_id)]
    return bool(states) and all(state == "signed" for state in states)


def expire_due() -> int:
    """Requests out for signature past their expiry become ``expired``; one
    whose signers all signed is not: its signed PDF is still to be made."""
    expired = 0
    due = SignRequest.select(SignRequest.id).where(
        (SignRequest.state == "sent") & (SignRequest.expires_at < utcnow())
    )
    for row in list(due):
        with write_transaction():
            if _all_signed(row.id):
                continue
            count = (
                SignRequest.update(state="expired")
                .where((SignRequest.id == row.id) & (SignRequest.state == "sent"))
                .execute()
            )
            if count:
                expired += 1
                log(SignRequest.get_by_id(row.id), "Expired before every signer signed.")
    return expired


def unfinished() -> list[int]:
    """Requests whose signers all signed and whose signed PDF is not made yet
    (its job lost with a worker, or a failed attempt): the sweep makes them."""
    sent = SignRequest.select(SignRequest.id).where(SignRequest.state == "sent")
    return [row.id for row in sent if _all_signed(row.id)]
