"""Signers: their secret links, and what the identification part records for them.

The identification part (``identify.py``, ``oidc/``) uses three names here:

- :func:`signer_from_token` finds the signer of a link, or raises
  :class:`LinkError` with a message for the visitor;
- :func:`record_identification` stores a completed identification;
- :func:`signer_url` is the signing page to send the signer back to.
"""

from __future__ import annotations

import secrets

from flask import current_app, has_request_context, url_for

from addons.itsme_sign import config
from addons.itsme_sign.models import ITSME_COUNTRIES, Signer, SignRequest
from host import (
    BadToken,
    locked,
    post_message,
    read_token,
    sign_token,
    utcnow,
    write_transaction,
)

TOKEN_PURPOSE = "itsme_sign.signer"
# The setting an administrator turns on to keep Belgian national numbers.
STORE_NATIONAL_NUMBER = "itsme_sign.store_national_number"


class LinkError(Exception):
    """A signing link that cannot be used; the message is for the visitor."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.status = status


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def token_for(signer: Signer) -> str:
    """The secret of a signer's link: signed with the app's key, bound to the
    request and to the signer's current nonce (which Cancel clears)."""
    return sign_token(
        TOKEN_PURPOSE, {"r": signer.request_id, "s": signer.id, "n": signer.access_nonce}
    )


def _path(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def external_url(endpoint: str, **values) -> str:
    """``HOST_BASE_URL`` + the endpoint's path: a link for a mail, built in a
    request or in a job alike."""
    return current_app.config["HOST_BASE_URL"].rstrip("/") + _path(endpoint, **values)


def signer_url(signer: Signer, *, external: bool = False) -> str:
    """The signer's page: the link mailed to them (``external``), or a path."""
    if external:
        return external_url("itsme_sign.signer_page", token=token_for(signer))
    return _path("itsme_sign.signer_page", token=token_for(signer))


def signer_from_token(token: str, *, request_id: int | None = None) -> Signer:
    """The signer whose link carries ``token``; ``request_id``, when given, is
    the document the link is used for. Raises :class:`LinkError` when the
    token is malformed or altered, older than ``ITSME_SIGN_LINK_DAYS``, for
    another document, withdrawn, or its document was canceled or expired."""
    if not token or len(token) > 512:
        raise LinkError("This link is not valid.")
    try:
        value = read_token(TOKEN_PURPOSE, token, max_age=config.link_days() * 86400)
    except BadToken as exc:
        raise LinkError(str(exc)) from None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), t) for k, t in (("r", int), ("s", int), ("n", str))
    ):
        raise LinkError("This link is not valid.")
    if request_id is not None and value["r"] != request_id:
        raise LinkError("This link is for another document.", 403)
    signer = Signer.get_or_none(Signer.id == value["s"])
    if signer is None or signer.request_id != value["r"]:
        raise LinkError("This link is for another document.", 403)
    sign_request = signer.request
    if sign_request.state == "canceled":
        raise LinkError("This document was canceled by its sender: there is nothing to sign.", 410)
    if sign_request.state == "expired":
        raise LinkError("This link has expired.", 410)
    if sign_request.state == "declined" and signer.state != "declined":
        raise LinkError("Another signer declined this document: there is nothing to sign.", 410)
    if not signer.access_nonce or not secrets.compare_digest(signer.access_nonce, value["n"]):
        raise LinkError("This link was replaced by a newer one or withdrawn.", 410)
    return signer


def itsme_required(signer: Signer) -> bool:
    return bool(signer.role.requires_itsme)


def itsme_available(signer: Signer) -> bool:
    """itsme identifies people in Belgium and the Netherlands only."""
    return (signer.country or "").upper() in ITSME_COUNTRIES


def may_sign(signer: Signer) -> bool:
    """Whether Sign is enabled: a role that requires itsme needs an identification first."""
    return not itsme_required(signer) or signer.identified


def record_identification(
    signer: Signer,
    method: str,
    name: str,
    birthdate: str,
    result: str,
    national_number: str | None = None,
) -> Signer:
    """Store a completed identification of ``signer`` (``method`` = ``"itsme"``,
    the verified ``name`` and ``birthdate`` as ``YYYY-MM-DD``, ``result`` in
    words such as ``"verified (acr advanced)"``) and log it in the document's
    chatter. The national number is kept only when an administrator turned
    on ``itsme_sign.store_national_number``. Refused (``LinkError``) once
    the signer signed or declined or the document is no longer out for signing.
    Call it outside any transaction, after the ID token validated."""
    keep_number = bool(config.SETTINGS.get("store_national_number"))
    with write_transaction():
        current = locked(Signer.select().where(Signer.id == signer.id)).get()
        if current.state != "sent" or current.request.state != "sent":
            raise LinkError("This document can no longer be signed.", 409)
        current.identification_method = method[:32]
        current.identified_name = name[:200]
        current.identified_birthdate = (birthdate or "")[:10]
        current.identification_result = result[:200]
        current.identified_at = utcnow()
        current.national_number = (national_number or None) if keep_number else None
        current.save()
        body = f"{current.name} identified with {method}: {name}"
        if current.identified_birthdate:
            body += f", born {current.identified_birthdate}"
        if current.name_mismatch:
            body += f". Warning: the verified name differs from the name typed ({current.name})."
        post_message(model="itsme_sign.request", res_id=current.request_id, body=body, kind="log")
    return current


def request_of(signer: Signer) -> SignRequest:
    return signer.request
