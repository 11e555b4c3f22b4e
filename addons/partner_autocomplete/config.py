"""The partner_autocomplete addon's settings: app config overridden by the Settings page.

``VIES_URL`` names the VIES ``checkVatService`` endpoint (the real service,
or a local one in tests). The Settings page stores its switches in
``host.Setting`` under ``partner_autocomplete.<name>``.
"""

from __future__ import annotations

from flask import current_app

from host import Config, ConfigKey, Setting

CONFIG = Config(
    "PARTNER_AUTOCOMPLETE",
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
)
SWITCHES = ("enabled", "vies")


def switch(name: str) -> bool:
    """``enabled`` (suggestions and enrichment) or ``vies`` (VIES checks); both on by default."""
    return Setting.read(f"partner_autocomplete.{name}", "1") == "1"


def set_switch(name: str, on: bool) -> None:
    if name not in SWITCHES:
        raise ValueError(name)
    Setting.write(f"partner_autocomplete.{name}", "1" if on else "0")


def vies_url() -> str:
    return current_app.config["VIES_URL"]


def vies_timeout() -> float:
    return float(current_app.config["PARTNER_AUTOCOMPLETE_VIES_TIMEOUT"])
