"""The snailmail addon's settings: app config (``SNAILMAIL_*``) overridden by the Settings page.

The Settings page stores its values in ``host.Setting`` under
``snailmail.<name>``; a value never saved there comes from
``app.config["SNAILMAIL_<NAME>"]``.
"""

from __future__ import annotations

import os

from flask import current_app

from host import Setting

DEFAULTS = {
    "SNAILMAIL_PROVIDER": "outbox",
    # Pingen-style REST API (https://api.pingen.com, token from identity.pingen.com).
    "SNAILMAIL_PINGEN_BASE_URL": "https://api.pingen.com",
    "SNAILMAIL_PINGEN_IDENTITY_URL": "https://identity.pingen.com",
    "SNAILMAIL_PINGEN_CLIENT_ID": "",
    "SNAILMAIL_PINGEN_CLIENT_SECRET": "",
    "SNAILMAIL_PINGEN_ORGANISATION": "",
    "SNAILMAIL_PINGEN_WEBHOOK_SECRET": "",
    "SNAILMAIL_PINGEN_TIMEOUT": 20,
    # Seconds the hand-over waits for the shop to validate a letter before
    # taking its answer as accepted (a refusal after that is refunded).
    "SNAILMAIL_PINGEN_VALIDATION_WAIT": 30,
    # Seconds between the outbox's simulated steps (accepted, printing, posted, delivered).
    "SNAILMAIL_OUTBOX_STEP_DELAY": 5,
    # Envelope window: right (Odoo, Pingen) or left (DIN 5008).
    "SNAILMAIL_WINDOW": "right",
    # Seconds after which a letter left "sending" lost its worker and is taken up again.
    "SNAILMAIL_STALE_AFTER": 900,
}
_FROM_ENVIRONMENT = tuple(
    k for k in DEFAULTS if k.startswith("SNAILMAIL_PINGEN") or k in ("SNAILMAIL_PROVIDER",)
)
EDITABLE = (
    "provider",
    "pingen_base_url",
    "pingen_identity_url",
    "pingen_client_id",
    "pingen_organisation",
    "window",
)
SECRETS = ("pingen_client_secret", "pingen_webhook_secret")


def init_config(app) -> None:
    for key, value in DEFAULTS.items():
        if key in _FROM_ENVIRONMENT and os.environ.get(key):
            value = os.environ[key]
        app.config.setdefault(key, value)


def get(name: str):
    """The effective value of setting ``name`` (``provider``, ``pingen_client_id``…)."""
    row = Setting.get_or_none(Setting.key == f"snailmail.{name}")
    if row is not None:
        return row.value
    return current_app.config[f"SNAILMAIL_{name.upper()}"]


def put(name: str, value) -> None:
    Setting.write(f"snailmail.{name}", str(value))


def number(name: str) -> float:
    return float(current_app.config[f"SNAILMAIL_{name.upper()}"])


def public_url(path: str) -> str:
    """``HOST_BASE_URL`` + ``path``: the URL a provider calls."""
    return current_app.config["HOST_BASE_URL"].rstrip("/") + path
