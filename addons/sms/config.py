"""The sms addon's settings: app config (``SMS_*``) overridden by the Settings page.

The Settings page stores its values in ``host.Setting`` under ``sms.<name>``;
a value never saved there comes from ``app.config["SMS_<NAME>"]``.
"""

from __future__ import annotations

import os

from flask import current_app

from host import Setting

DEFAULTS = {
    "SMS_GATEWAY": "outbox",
    "SMS_TWILIO_BASE_URL": "https://api.twilio.com",
    "SMS_TWILIO_ACCOUNT_SID": "",
    "SMS_TWILIO_AUTH_TOKEN": "",
    # A sender number (+1…) or a messaging service SID (MG…).
    "SMS_TWILIO_FROM": "",
    "SMS_TWILIO_TIMEOUT": 10,
    "SMS_SMART_ENCODING": False,
    # Seconds before the outbox reports a message delivered.
    "SMS_OUTBOX_DELIVERY_DELAY": 3,
    # Messages per charge in a mass SMS (see ``batches``).
    "SMS_BATCH_CHUNK": 500,
}
# May come from the environment, so secrets stay out of config files.
_FROM_ENVIRONMENT = (
    "SMS_GATEWAY",
    "SMS_TWILIO_BASE_URL",
    "SMS_TWILIO_ACCOUNT_SID",
    "SMS_TWILIO_AUTH_TOKEN",
    "SMS_TWILIO_FROM",
)
# Editable on the Settings page.
EDITABLE = ("gateway", "twilio_base_url", "twilio_account_sid", "twilio_from", "smart_encoding")
SECRET = "twilio_auth_token"


def init_config(app) -> None:
    for key, value in DEFAULTS.items():
        if key in _FROM_ENVIRONMENT and os.environ.get(key):
            value = os.environ[key]
        app.config.setdefault(key, value)


def get(name: str):
    """The effective value of setting ``name`` (``gateway``, ``twilio_from``…)."""
    row = Setting.get_or_none(Setting.key == f"sms.{name}")
    if row is not None:
        if name == "smart_encoding":
            return row.value == "1"
        return row.value
    return current_app.config[f"SMS_{name.upper()}"]


def put(name: str, value) -> None:
    if isinstance(value, bool):
        value = "1" if value else "0"
    Setting.write(f"sms.{name}", str(value))


def public_url(path: str) -> str:
    """``HOST_BASE_URL`` + ``path``: the URL a provider calls and signs."""
    return current_app.config["HOST_BASE_URL"].rstrip("/") + path
