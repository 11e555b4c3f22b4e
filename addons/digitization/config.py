"""Settings: app config (``DIGITIZATION_*``) overridden per kind on the Settings page.

The Settings page stores ``digitization.mode.<kind>`` and ``digitization.credits.<kind>``
in ``host.Setting``; a value never saved there comes from the config
(``DIGITIZATION_MODE_BILL``, ``DIGITIZATION_CREDITS_BILL``…).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import current_app

from addons.digitization.extract import DEFAULT_MAX_PAGES
from addons.digitization.kinds import KINDS
from host import Setting

# When a document is digitized: on upload, when the user clicks Digitize, or never.
MODES = {
    "auto": "Digitize automatically on upload",
    "manual": "Digitize when a user clicks Digitize",
    "never": "Do not digitize (enter the data by hand)",
}
MAX_CREDITS = Decimal(100)

DEFAULTS = {
    "DIGITIZATION_MAX_PAGES": DEFAULT_MAX_PAGES,
    "DIGITIZATION_MAX_FILE_SIZE": 20 * 1024 * 1024,
    "DIGITIZATION_MAX_FILES": 100,
    # Longest side, in pixels, of a rendered page preview.
    "DIGITIZATION_PAGE_SIZE": 1600,
    "DIGITIZATION_OCR_WORKERS": None,
    # A document still processing after this many seconds was interrupted.
    "DIGITIZATION_STUCK_AFTER": 1800,
    **{f"DIGITIZATION_MODE_{key.upper()}": "auto" for key in KINDS},
    **{f"DIGITIZATION_CREDITS_{key.upper()}": 1 for key in KINDS},
}


def init_config(app) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


def setting(name: str):
    return current_app.config[f"DIGITIZATION_{name.upper()}"]


def mode(kind: str) -> str:
    value = Setting.read(f"digitization.mode.{kind}") or setting(f"mode_{kind}")
    return value if value in MODES else "auto"


def credits(kind: str) -> Decimal:
    """Credits one document of ``kind`` costs."""
    raw = Setting.read(f"digitization.credits.{kind}")
    if not raw:
        raw = setting(f"credits_{kind}")
    return parse_credits(str(raw))


def parse_credits(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > MAX_CREDITS:
        raise ValueError(f"{raw!r} must be between 0 and {MAX_CREDITS} credits")
    if value != value.quantize(Decimal("0.001")):
        raise ValueError(f"{raw!r} has more than 3 decimals")
    return value


def put(kind: str, *, mode_value: str, credits_value: Decimal) -> None:
    if mode_value not in MODES:
        raise ValueError(f"unknown mode {mode_value!r}")
    Setting.write(f"digitization.mode.{kind}", mode_value)
    Setting.write(f"digitization.credits.{kind}", f"{credits_value.normalize():f}")
