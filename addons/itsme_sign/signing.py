"""A signer's Sign and Decline: each happens once, whatever arrives at the same time."""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError

from addons.itsme_sign import lifecycle, signers
from addons.itsme_sign.models import Field, Signer, SignRequest
from host import locked, send_mail_template, utcnow, write_transaction

MAX_SIGNATURE_BYTES = 512 * 1024
MAX_TYPED = 100


class SigningError(ValueError):
    """A signature that cannot be accepted; the message is for the signer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def drawn_signature(data_url: str) -> bytes:
    """The PNG a signature pad sends (``data:image/png;base64,…``), checked to be one."""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise SigningError("Draw your signature, or type it.")
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise SigningError("The drawn signature did not arrive whole; draw it again.") from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise SigningError("The drawn signature is too large; draw it again.")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG" or image.width * image.height > 4_000_000:
                raise SigningError("The drawn signature is not a picture we can use.")
            bbox = image.convert("RGBA").getchannel("A").getbbox()
    except (UnidentifiedImageError, OSError):
        raise SigningError("The drawn signature is not a picture we can use.") from None
    if bbox is None:
        raise SigningError("The signature pad is empty: draw your signature, or type it.")
    return raw


def typed_signature(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise SigningError("Type your name as your signature, or draw it.")
    if len(text) > MAX_TYPED:
        raise SigningError(f"A typed signature has at most {MAX_TYPED} characters.")
    return text


def sign(
    signer: Signer,
    *,
    kind: str,
    drawn: str = "",
    typed: str = "",
    values: dict[int, str] | None = None,
    ip: str = "",
) -> str:
    """Record ``signer``'s signature and field values; returns what comes next
    (``"complete"`` when every signer has signed, else ``"next"``).

    The signer row is claimed with a conditional update inside the
    transaction: a second submission at the same moment finds it signed and
    is refused, so a document is signed once per signer."""
    if not signers.may_sign(signer):
        raise SigningError("Identify with itsme before signing.", 403)
    if kind == "drawn":
        picture, typed_text = drawn_signature(drawn), ""
    elif kind == "typed":
        picture, typed_text = None, typed_signature(typed)
    else:
        raise SigningError("Draw your signature, or type it.")
    values = values or {}
    fields = list(Field.select().where(Field.signer == signer.id))
    own = {f.id for f in fields}
    foreign = set(values) - own
    if foreign:
        raise SigningError("Some fields are not yours to fill.", 403)
    for field in fields:
        if field.kind == "text" and not (values.get(field.id) or "").strip():
            raise SigningError("Fill every text field before signing.")
    with write_transaction():
        sign_request = locked(SignRequest.select().where(SignRequest.id == signer.request_id)).get()
        if sign_request.state != "sent":
            raise SigningError(f"This document is {sign_request.state}: it cannot be signed.", 409)
        claimed = (
            Signer.update(
                state="signed",
                signed_at=utcnow(),
                signed_ip=(ip or "")[:64],
                signature_png=picture,
                signature_kind=kind,
            )
            .where((Signer.id == signer.id) & (Signer.state == "sent"))
            .execute()
        )
        if not claimed:
            raise SigningError(
                "You have already signed this document, or it is not your turn.", 409
            )
        today = utcnow().date().isoformat()
        for field in fields:
            if field.kind == "signature":
                value = typed_text
            elif field.kind == "date":
                value = today
            elif field.kind == "name":
                value = signer.name
            else:
                value = " ".join(values.get(field.id, "").split())[:500]
            Field.update(value=value).where(Field.id == field.id).execute()
        how = "drawn" if kind == "drawn" else "typed"
        lifecycle.log(sign_request, f"{signer.name} signed ({how} signature, from {ip or '?'}).")
        outcome = lifecycle.advance(sign_request.id)
        if outcome == "complete":
            from addons.itsme_sign import jobs

            jobs.complete.delay(sign_request.id)
    return outcome


def decline(signer: Signer, reason: str) -> None:
    reason = " ".join((reason or "").split())
    if not reason:
        raise SigningError("Say why you decline: the sender reads it.")
    with write_transaction():
        sign_request = locked(SignRequest.select().where(SignRequest.id == signer.request_id)).get()
        if sign_request.state != "sent":
            raise SigningError(f"This document is {sign_request.state}.", 409)
        claimed = (
            Signer.update(state="declined", decline_reason=reason[:1000])
            .where((Signer.id == signer.id) & (Signer.state == "sent"))
            .execute()
        )
        if not claimed:
            raise SigningError("You cannot decline this document now.", 409)
        SignRequest.update(state="declined", reason=reason[:1000]).where(
            SignRequest.id == sign_request.id
        ).execute()
        Signer.update(access_nonce="").where(
            (Signer.request == sign_request) & (Signer.id != signer.id)
        ).execute()
        lifecycle.log(sign_request, f"{signer.name} declined: {reason}", state="failed")
        author = sign_request.author
        if author is not None and author.email:
            send_mail_template(
                "itsme_sign.declined",
                to=author.email,
                values={
                    "signer": signer.name,
                    "document": sign_request.name,
                    "reason": reason,
                    "link": signers.external_url(
                        "itsme_sign.sign_page", request_id=sign_request.id
                    ),
                },
            )
