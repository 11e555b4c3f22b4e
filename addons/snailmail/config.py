"""The snailmail addon's settings: app config (``SNAILMAIL_*``) overridden by the Settings page.

The Settings page stores its values in ``host.Setting`` under
``snailmail.<name>``; a value never saved there comes from
``app.config["SNAILMAIL_<NAME>"]``.
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
    """The Snailmail block of the Settings page: it edits the contract's editable keys."""

    provider = StringField(**_TEXT)
    window = StringField(**_TEXT)
    pingen_base_url = StringField("Pingen API URL", **_TEXT)
    pingen_identity_url = StringField("Pingen token URL", **_TEXT)
    pingen_client_id = StringField(**_TEXT)
    pingen_client_secret = PasswordField("Client secret", validators=[Length(max=255)])
    clear_pingen_client_secret = BooleanField()
    pingen_organisation = StringField(**_TEXT)
    pingen_webhook_secret = PasswordField(validators=[Length(max=255)])
    clear_pingen_webhook_secret = BooleanField()


CONFIG = Config(
    "SNAILMAIL",
    ConfigKey(
        name="SNAILMAIL_PROVIDER",
        default="outbox",
        example="pingen",
        editable=True,
        announce=True,
        meaning="`outbox` (letters kept on the *Letters outbox* page, posting simulated) or "
        "`pingen`; the Settings page may change it",
    ),
    ConfigKey(
        name="SNAILMAIL_PINGEN_BASE_URL",
        default="https://api.pingen.com",
        example="http://127.0.0.1:9",
        editable=True,
        sends=("pingen_client_secret",),
        http_allowed_by="SNAILMAIL_ALLOW_HTTP_PROVIDER",
        meaning="A Pingen-compatible REST API",
    ),
    ConfigKey(
        name="SNAILMAIL_PINGEN_IDENTITY_URL",
        default="https://api.pingen.com",
        example="http://127.0.0.1:9",
        editable=True,
        sends=("pingen_client_secret",),
        http_allowed_by="SNAILMAIL_ALLOW_HTTP_PROVIDER",
        meaning="Where Pingen's client-credentials access tokens come from (its API host)",
    ),
    ConfigKey(
        name="SNAILMAIL_ALLOW_HTTP_PROVIDER",
        default=False,
        type=bool,
        meaning="Lets the Settings page take `http://` print shop URLs (a test server); "
        "otherwise `https://` only",
    ),
    ConfigKey(
        name="SNAILMAIL_PINGEN_CLIENT_ID",
        default="",
        example="client-1",
        editable=True,
        meaning="Pingen client id",
    ),
    ConfigKey(
        name="SNAILMAIL_PINGEN_CLIENT_SECRET",
        default="",
        secret=True,
        meaning="Pingen client secret",
    ),
    ConfigKey(
        name="SNAILMAIL_PINGEN_ORGANISATION",
        default="",
        example="org-1",
        editable=True,
        meaning="Pingen organisation id",
    ),
    ConfigKey(
        name="SNAILMAIL_PINGEN_WEBHOOK_SECRET",
        default="",
        secret=True,
        meaning="Signs Pingen's webhooks",
    ),
    ConfigKey(
        name="SNAILMAIL_PINGEN_TIMEOUT",
        default=20.0,
        type=float,
        minimum=0.1,
        meaning="Seconds to wait for Pingen's answer",
    ),
    ConfigKey(
        name="SNAILMAIL_PINGEN_VALIDATION_WAIT",
        default=30.0,
        type=float,
        minimum=0,
        meaning="Seconds the hand-over waits for Pingen to validate a letter before taking "
        "it as accepted (a later refusal is refunded)",
    ),
    ConfigKey(
        name="SNAILMAIL_OUTBOX_STEP_DELAY",
        default=5.0,
        type=float,
        minimum=0,
        meaning="Seconds between the outbox's simulated steps",
    ),
    ConfigKey(
        name="SNAILMAIL_WINDOW",
        default="right",
        choices=("right", "left"),
        editable=True,
        meaning="Envelope window: `right` (Odoo, Pingen) or `left` (DIN 5008)",
    ),
    ConfigKey(
        name="SNAILMAIL_UNKNOWN_RETRIES",
        default=5,
        type=int,
        minimum=0,
        meaning="Times the retry job sends again a letter the print shop failed to take "
        "(`UNKNOWN_ERROR`) before it gives up and leaves it to a person's *Retry*",
    ),
    ConfigKey(
        name="SNAILMAIL_RETRY_DELAY",
        default=300.0,
        type=float,
        minimum=0,
        meaning="Seconds before the first of those retries; each next one waits twice as long",
    ),
    ConfigKey(
        name="SNAILMAIL_STALE_AFTER",
        default=900.0,
        type=float,
        minimum=1,
        meaning="Seconds after which a letter left sending lost its worker and is taken up again",
    ),
    form=SettingsForm,
)
SETTINGS = AddonSettings("snailmail", CONFIG)
SECRETS = ("pingen_client_secret", "pingen_webhook_secret")


def get(name: str):
    """The effective value of setting ``name`` (``provider``, ``pingen_client_id``…)."""
    return SETTINGS.get(name)


def put(name: str, value) -> None:
    SETTINGS.put(name, value)


def unknown_retries() -> int:
    """Automatic retries of a letter after the print shop failed to take it."""
    return int(current_app.config["SNAILMAIL_UNKNOWN_RETRIES"])


def retry_wait(unknown_errors: int) -> float:
    """Seconds the retry job waits after the ``unknown_errors``-th failure in a row."""
    delay = float(current_app.config["SNAILMAIL_RETRY_DELAY"])
    return delay * 2 ** max(unknown_errors - 1, 0)


def number(name: str) -> float:
    return float(current_app.config[f"SNAILMAIL_{name.upper()}"])


def public_url(path: str) -> str:
    """``HOST_BASE_URL`` + ``path``: the URL a provider calls."""
    return current_app.config["HOST_BASE_URL"].rstrip("/") + path
