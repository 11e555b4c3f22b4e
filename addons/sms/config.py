"""The sms addon's settings: app config (``SMS_*``, declared in :data:`CONFIG`)
overridden by the Settings page.

The Settings page stores its values in ``host.Setting`` under ``sms.<name>``;
a value never saved there comes from ``app.config["SMS_<NAME>"]``.
"""

from __future__ import annotations

from flask import current_app
from wtforms import BooleanField, Form, PasswordField, StringField
from wtforms.validators import Length

from host import AddonSettings, Config, ConfigKey


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


_TEXT = {"filters": [_stripped], "validators": [Length(max=255)]}


class SettingsForm(Form):
    """The SMS block of the Settings page: it edits the contract's editable keys."""

    gateway = StringField()
    twilio_base_url = StringField("Twilio API URL", **_TEXT)
    twilio_account_sid = StringField(**_TEXT)
    twilio_auth_token = PasswordField("Auth Token", **_TEXT)
    clear_twilio_auth_token = BooleanField()
    twilio_from = StringField(**_TEXT)
    smart_encoding = BooleanField()


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
        sends=("twilio_auth_token",),
        http_allowed_by="SMS_ALLOW_HTTP_GATEWAY",
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
    form=SettingsForm,
)
SETTINGS = AddonSettings("sms", CONFIG)
SECRET = "twilio_auth_token"


def get(name: str):
    """The effective value of setting ``name`` (``gateway``, ``twilio_from``…)."""
    return SETTINGS.get(name)


def put(name: str, value) -> None:
    SETTINGS.put(name, value)


def public_url(path: str) -> str:
    """``HOST_BASE_URL`` + ``path``: the URL a provider calls and signs."""
    return current_app.config["HOST_BASE_URL"].rstrip("/") + path
