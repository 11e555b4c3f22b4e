"""The sms addon's settings: app config (``SMS_*``, declared in :data:`CONFIG`)
overridden by the Settings page.

The Settings page stores its values in ``host.Setting`` under ``sms.<name>``;
a value never saved there comes from ``app.config["SMS_<NAME>"]``.
"""

from __future__ import annotations

from flask import current_app

from host import Config, ConfigKey, Setting, read_secret, write_secret

CONFIG = Config(
    "SMS",
    ConfigKey(
        name="SMS_GATEWAY",
        default="outbox",
        example="twilio",
        editable=True,
        announce=True,
        meaning="`outbox` (kept on the *SMS Outbox* page, delivery simulated) or `twilio`; "
        "the Settings page may change it",
    ),
    ConfigKey(
        name="SMS_TWILIO_BASE_URL",
        default="https://api.twilio.com",
        example="http://127.0.0.1:9",
        editable=True,
        meaning="A Twilio-compatible REST API",
    ),
    ConfigKey(
        name="SMS_TWILIO_ACCOUNT_SID",
        default="",
        example="AC123",
        editable=True,
        meaning="Twilio account SID",
    ),
    ConfigKey(
        name="SMS_TWILIO_AUTH_TOKEN",
        default="",
        secret=True,
        meaning="Twilio auth token; signs status callbacks and inbound replies",
    ),
    ConfigKey(
        name="SMS_TWILIO_FROM",
        default="",
        example="+15005550006",
        editable=True,
        meaning="A sender number (`+1…`) or a messaging service SID (`MG…`)",
    ),
    ConfigKey(
        name="SMS_ALLOW_HTTP_GATEWAY",
        default=False,
        type=bool,
        meaning="Lets the Settings page take an `http://` gateway URL (a test gateway); "
        "otherwise `https://` only",
    ),
    ConfigKey(
        name="SMS_TWILIO_TIMEOUT",
        default=10.0,
        type=float,
        minimum=0.1,
        meaning="Seconds to wait for Twilio's answer",
    ),
    ConfigKey(
        name="SMS_SMART_ENCODING",
        default=False,
        type=bool,
        editable=True,
        meaning="Replace look-alike Unicode characters so a text stays GSM-7",
    ),
    ConfigKey(
        name="SMS_OUTBOX_DELIVERY_DELAY",
        default=3,
        type=int,
        minimum=0,
        meaning="Seconds before the outbox gateway reports a message delivered",
    ),
    ConfigKey(
        name="SMS_BATCH_CHUNK",
        default=500,
        type=int,
        minimum=1,
        meaning="Messages per charge in a mass SMS",
    ),
)
# Editable on the Settings page.
EDITABLE = ("gateway", "twilio_base_url", "twilio_account_sid", "twilio_from", "smart_encoding")
SECRET = "twilio_auth_token"


def get(name: str):
    """The effective value of setting ``name`` (``gateway``, ``twilio_from``…)."""
    if name == SECRET:
        stored = read_secret(f"sms.{name}")
        return stored if stored is not None else current_app.config[f"SMS_{name.upper()}"]
    row = Setting.get_or_none(Setting.key == f"sms.{name}")
    if row is not None:
        if name == "smart_encoding":
            return row.value == "1"
        return row.value
    return current_app.config[f"SMS_{name.upper()}"]


def put(name: str, value) -> None:
    if name == SECRET:
        write_secret(f"sms.{name}", str(value))  # encrypted, the key outside the database
        return
    if isinstance(value, bool):
        value = "1" if value else "0"
    Setting.write(f"sms.{name}", str(value))


def public_url(path: str) -> str:
    """``HOST_BASE_URL`` + ``path``: the URL a provider calls and signs."""
    return current_app.config["HOST_BASE_URL"].rstrip("/") + path
