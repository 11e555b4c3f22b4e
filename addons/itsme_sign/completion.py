"""Once every signer signed: the signed PDF (fields stamped, certificate page,
the instance's digital signature), then mail to every signer and the sender."""

from __future__ import annotations

import hashlib
import logging

from flask import current_app

from addons.itsme_sign import certificate, config, lifecycle, pades, signers, stamping
from addons.itsme_sign.models import Field, Signer, SignRequest
from host import locked, send_mail_template, utcnow, write_transaction

log = logging.getLogger(__name__)


def signed_pdf(sign_request: SignRequest) -> tuple[bytes, str]:
    """The signed PDF of a request whose signers all signed, and the SHA-256 of
    its signed pages (before the certificate page and the digital signature)."""
    signer_list = list(
        Signer.select().where(Signer.request == sign_request).order_by(Signer.order, Signer.id)
    )
    fields = list(Field.select().where(Field.request == sign_request))
    stamped = stamping.stamp(bytes(sign_request.original), fields, {s.id: s for s in signer_list})
    stamped_sha256 = hashlib.sha256(stamped).hexdigest()
    key_path = pades.ensure_key(config.key_dir())
    fingerprint = pades.certificate_fingerprint(key_path)
    with_certificate = certificate.append(
        stamped,
        certificate.page(
            sign_request,
            signer_list,
            stamped_sha256=stamped_sha256,
            certificate_fingerprint=fingerprint,
        ),
    )
    signed = pades.sign(
        with_certificate,
        key_path,
        reason=f"Signed by {', '.join(s.name for s in signer_list)}",
        location=current_app.config.get("HOST_BASE_URL", ""),
    )
    return signed, stamped_sha256


def complete(request_id: int) -> str:
    """Make and keep the signed PDF, once; a retry after a crash makes it again."""
    sign_request = SignRequest.get_or_none(SignRequest.id == request_id)
    if sign_request is None:
        return "gone"
    if sign_request.state != "sent":
        return sign_request.state
    if any(s.state != "signed" for s in sign_request.signers):
        return "waiting"
    try:
        signed, stamped_sha256 = signed_pdf(sign_request)
    except Exception as exc:  # any failure counts: a bad PDF, a key that cannot be read
        log.exception("itsme Sign: the signed PDF of request %s could not be made", request_id)
        return _failed(request_id, exc)
    signed_sha256 = hashlib.sha256(signed).hexdigest()
    with write_transaction():
        current = locked(SignRequest.select().where(SignRequest.id == request_id)).get()
        if current.state != "sent":
            return current.state
        SignRequest.update(
            state="signed",
            signed=signed,
            signed_sha256=signed_sha256,
            stamped_sha256=stamped_sha256,
            completed_at=utcnow(),
        ).where(SignRequest.id == current.id).execute()
        lifecycle.log(
            current,
            f"Signed by everyone. SHA-256 of the signed PDF: {signed_sha256}",
            state="delivered",
            attachments=[(f"{current.name} (signed).pdf", "application/pdf", signed)],
        )
        _mail_everyone(current, signed, signed_sha256)
    return "signed"


def _failed(request_id: int, exc: Exception) -> str:
    """Count a failed attempt; at ``ITSME_SIGN_COMPLETION_ATTEMPTS`` the
    request becomes ``failed`` with the error (its page and chatter say it)
    and its sender is mailed once. Under the row lock, so processes at once
    count each attempt and mail once."""
    with write_transaction():
        current = locked(SignRequest.select().where(SignRequest.id == request_id)).get()
        if current.state != "sent":
            return current.state
        attempts = current.completion_attempts + 1
        if attempts < config.completion_attempts():
            SignRequest.update(completion_attempts=attempts).where(
                SignRequest.id == current.id
            ).execute()
            return "retry"
        reason = f"{type(exc).__name__}: {exc}"[:300]
        error = (
            f"The signed PDF could not be made after {attempts} attempts ({reason}). "
            "Every signer signed; an administrator can look at the server's log."
        )[:1000]
        SignRequest.update(
            state="failed", completion_attempts=attempts, completion_error=error
        ).where(SignRequest.id == current.id).execute()
        lifecycle.log(current, error, state="failed")
        author = current.author
        if author is not None and author.email:
            send_mail_template(
                "itsme_sign.failed",
                to=author.email,
                values={
                    "name": author.name or author.email,
                    "document": current.name,
                    "error": error,
                    "link": signers.external_url("itsme_sign.sign_page", request_id=current.id),
                },
            )
    return "failed"


def _mail_everyone(sign_request: SignRequest, signed: bytes, sha256: str) -> None:
    """Every signer and the sender get the signed PDF attached, and a link to it."""
    attachments = [(f"{sign_request.name} (signed).pdf", "application/pdf", signed)]
    for signer in sign_request.signers:
        link = signers.external_url("itsme_sign.signer_signed_pdf", token=signers.token_for(signer))
        values = {"name": signer.name, "document": sign_request.name, "link": link}
        send_mail_template(
            "itsme_sign.signed",
            to=signer.email,
            values={**values, "sha256": sha256},
            attachments=attachments,
        )
    author = sign_request.author
    if author is not None and author.email:
        link = signers.external_url("itsme_sign.signed_pdf", request_id=sign_request.id)
        send_mail_template(
            "itsme_sign.signed",
            to=author.email,
            values={
                "name": author.name or author.email,
                "document": sign_request.name,
                "link": link,
                "sha256": sha256,
            },
            attachments=attachments,
        )
