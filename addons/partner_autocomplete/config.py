"""The partner_autocomplete addon's settings: app config overridden by the Settings page.

``VIES_URL`` names the VIES ``checkVatService`` endpoint (the real service,
or a local one in tests). The Settings page stores its switches in
``host.Setting`` under ``partner_autocomplete.<name>``.
"""

from __future__ import annotations

from flask import current_app
from wtforms import BooleanField, Form

from host import AddonSettings, Config, ConfigKey


class SettingsForm(Form):
    """The Partner Autocomplete block of the Settings page."""

    enabled = BooleanField()
    vies = BooleanField()


CONFIG = Config(
    "PARTNER_AUTOCOMPLETE",
    ConfigKey(
        name="PARTNER_AUTOCOMPLETE_ENABLED",
        default=True,
        type=bool,
        editable=True,
        example=False,
        meaning="Suggestions while typing and the *Enrich* button; the Settings page may "
        "switch them off",
    ),
    ConfigKey(
        name="PARTNER_AUTOCOMPLETE_VIES",
        default=True,
        type=bool,
        editable=True,
        example=False,
        meaning="Check EU VAT numbers with VIES; the Settings page may switch it off",
    ),
    ConfigKey(
        name="VIES_URL",
        default="https://ec.europa.eu/taxation_customs/vies/services/checkVatService",
        example="http://127.0.0.1:9/checkVatService",
        meaning="The VIES `checkVatService` endpoint that checks VAT numbers",
    ),
    ConfigKey(
        name="PARTNER_AUTOCOMPLETE_VIES_TIMEOUT",
        default=5.0,
        type=float,
        minimum=0.1,
        meaning="Seconds VIES may take to answer one check",
    ),
    ConfigKey(
        name="PARTNER_AUTOCOMPLETE_VIES_ATTEMPTS",
        default=8,
        type=int,
        minimum=1,
        meaning="Checks of a contact's number tried at most this many times (1, 2, 4… minutes "
        "apart)",
    ),
    ConfigKey(
        name="PARTNER_AUTOCOMPLETE_VIES_RETRY_DELAY",
        default=60,
        type=int,
        minimum=1,
        meaning="Seconds the first retry waits; each next one waits twice as long",
    ),
    also=("VIES",),
    form=SettingsForm,
)
SETTINGS = AddonSettings("partner_autocomplete", CONFIG)


def switch(name: str) -> bool:
    """``enabled`` (suggestions and enrichment) or ``vies`` (VIES checks)."""
    return SETTINGS.get(name)


def vies_url() -> str:
    return current_app.config["VIES_URL"]


def vies_timeout() -> float:
    return float(current_app.config["PARTNER_AUTOCOMPLETE_VIES_TIMEOUT"])
