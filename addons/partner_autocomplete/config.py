"""The partner_autocomplete addon's settings: app config overridden by the Settings page.

``VIES_URL`` names the VIES ``checkVatService`` endpoint (the real service,
or a local one in tests). The Settings page stores its switches in
``host.Setting`` under ``partner_autocomplete.<name>``.
"""

from __future__ import annotations

import os

from flask import current_app

from host import Setting

DEFAULTS = {
    "VIES_URL": "https://ec.europa.eu/taxation_customs/vies/services/checkVatService",
    # Seconds VIES may take to answer one check.
    "PARTNER_AUTOCOMPLETE_VIES_TIMEOUT": 5,
    # Checks of a contact's number tried at most this many times (1, 2, 4… minutes apart).
    "PARTNER_AUTOCOMPLETE_VIES_ATTEMPTS": 8,
    # Seconds the first retry waits; each next one waits twice as long.
    "PARTNER_AUTOCOMPLETE_VIES_RETRY_DELAY": 60,
}
_FROM_ENVIRONMENT = ("VIES_URL", "PARTNER_AUTOCOMPLETE_VIES_TIMEOUT")
SWITCHES = ("enabled", "vies")


def init_config(app) -> None:
    for key, value in DEFAULTS.items():
        if key in _FROM_ENVIRONMENT and os.environ.get(key):
            value = type(value)(os.environ[key])
        app.config.setdefault(key, value)


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
