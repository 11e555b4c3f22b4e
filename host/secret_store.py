"""Provider secrets (API tokens, webhook keys) stored encrypted in the database.

The key is kept outside the database: ``HOST_SECRETS_KEY`` (environment or
config), or else derived from ``SECRET_KEY`` (itself from the environment or
the instance folder's 0600 ``secret_key`` file), so a copied database or
backup does not give the tokens away, and every web and worker process that
shares the app's secret key reads them. Values are Fernet
tokens (AES-128-CBC + HMAC-SHA256) prefixed with :data:`PREFIX`; a value
saved before encryption existed is read as it is and sealed when saved again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from host.models import Setting

PREFIX = "sealed:v1:"


class SecretKeyMismatch(RuntimeError):
    """A stored secret cannot be decrypted: the key changed since it was saved."""


def _fernet() -> Fernet:
    app = current_app
    cached = app.extensions.get("host_secret_box")
    if cached is None:
        configured = app.config.get("HOST_SECRETS_KEY")
        # A key of its own for this purpose, never the session signing key itself.
        material = f"secrets:{configured}" if configured else f"sessions:{app.secret_key}"
        key = base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())
        cached = app.extensions["host_secret_box"] = Fernet(key)
    return cached


def seal(value: str) -> str:
    if not value:
        return ""
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def unseal(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretKeyMismatch(
            "A stored provider secret cannot be decrypted: HOST_SECRETS_KEY (or "
            "SECRET_KEY) changed since it was saved. Enter the secret again on the Settings page."
        ) from None


def write_secret(key: str, value: str) -> None:
    """Store ``value`` encrypted as setting ``key`` (an empty value stays empty)."""
    Setting.write(key, seal(value))


def read_secret(key: str) -> str | None:
    """The decrypted setting ``key``; None when it was never saved."""
    row = Setting.get_or_none(Setting.key == key)
    return None if row is None else unseal(row.value)
