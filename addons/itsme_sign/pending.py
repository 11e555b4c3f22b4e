"""Identifications under way with itsme, kept on the server.

A pending request's secrets (the state, the nonce, the PKCE code verifier)
and the signer's link stay in this table: the signer's session cookie is
signed but readable by whoever holds it, so it carries only each row's opaque
key. A row is used once: the callback claims it (wiping its nonce and
verifier) before the code is exchanged, so a replayed answer does nothing.
A row not claimed within ``PENDING_TTL`` has expired; rows are swept a day
after, long enough to tell a late signer what happened.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import peewee

from addons.itsme_sign.oidc import PendingRequest
from addons.itsme_sign.oidc.client import PENDING_TTL
from host import BaseModel

KEPT_AFTER_EXPIRY = 86400


class PendingIdentification(BaseModel):
    """One authorization request sent to itsme and not answered yet (or answered:
    ``claimed``, its secrets wiped)."""

    key = peewee.CharField(max_length=64, unique=True)  # all the session holds
    state = peewee.CharField(max_length=128, unique=True)
    link_token = peewee.TextField()  # the signer's link, to send them back to it
    nonce = peewee.CharField(max_length=128)
    code_verifier = peewee.CharField(max_length=128)
    acr = peewee.CharField(max_length=128)
    eid = peewee.BooleanField(default=False)
    created = peewee.DoubleField(index=True)  # epoch seconds, as the relying party stamped it
    claimed = peewee.BooleanField(default=False)

    class Meta:
        table_name = "itsme_sign_pending_identification"


@dataclass(frozen=True)
class Claim:
    """What a callback's state found: the signer's link, and either the pending
    request to finish or why it is refused (``used``, ``expired``)."""

    link_token: str
    pending: PendingRequest | None = None
    refused: str = ""


def keep(pending: PendingRequest, link_token: str) -> str:
    """Store ``pending``; returns the opaque key the session keeps instead."""
    PendingIdentification.delete().where(
        PendingIdentification.created < time.time() - PENDING_TTL - KEPT_AFTER_EXPIRY
    ).execute()
    key = secrets.token_urlsafe(24)
    PendingIdentification.create(
        key=key,
        state=pending.state,
        link_token=link_token,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
        acr=pending.acr,
        eid=pending.eid,
        created=pending.created,
    )
    return key


def forget(keys: list[str]) -> None:
    """Drop these identifications (a browser that started too many)."""
    if keys:
        PendingIdentification.delete().where(PendingIdentification.key.in_(keys)).execute()


def claim(state: str, keys: list[str]) -> Claim | None:
    """The identification with this ``state`` among the session's ``keys``,
    claimed for this callback alone; ``None`` when this browser has none."""
    if not state or not keys or len(state) > 128:
        return None
    row = PendingIdentification.get_or_none(
        (PendingIdentification.state == state) & PendingIdentification.key.in_(keys)
    )
    if row is None:
        return None
    # Only one caller turns ``claimed`` on: a second one (a replay, a double
    # click in another process) finds it done and is refused.
    won = (
        PendingIdentification.update(claimed=True, nonce="", code_verifier="")
        .where((PendingIdentification.id == row.id) & ~PendingIdentification.claimed)
        .execute()
    )
    if not won:
        return Claim(row.link_token, refused="used")
    if time.time() - row.created > PENDING_TTL:
        return Claim(row.link_token, refused="expired")
    pending = PendingRequest(
        state=row.state,
        nonce=row.nonce,
        code_verifier=row.code_verifier,
        acr=row.acr,
        eid=row.eid,
        created=row.created,
    )
    return Claim(row.link_token, pending)


def open_links(keys: list[str]) -> list[str]:
    """The signers' links of this browser's identifications not answered yet."""
    return [
        row.link_token
        for row in PendingIdentification.select(PendingIdentification.link_token).where(
            PendingIdentification.key.in_(keys) & ~PendingIdentification.claimed
        )
    ]


MODELS = [PendingIdentification]
