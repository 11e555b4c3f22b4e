"""Settings: app config (``DIGITIZATION_*``, declared in :data:`CONFIG`) overridden
per kind on the Settings page.

The Settings page stores ``digitization.mode.<kind>`` and ``digitization.credits.<kind>``
in ``host.Setting``; a value never saved there comes from the config
(``DIGITIZATION_MODE_BILL``, ``DIGITIZATION_CREDITS_BILL``…).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import current_app

from addons.digitization.extract import DEFAULT_MAX_PAGES
from addons.digitization.kinds import KINDS
from host import Config, ConfigKey, Setting

# When a document is digitized: on upload, when the user clicks Digitize, or never.
MODES = {
    "auto": "Digitize automatically on upload",
    "manual": "Digitize when a user clicks Digitize",
    "never": "Do not digitize (enter the data by hand)",
}
MAX_CREDITS = Decimal(100)


def _credits(raw) -> Decimal:
    return parse_credits(str(raw))


CONFIG = Config(
    "DIGITIZATION",
    ConfigKey(
        name="DIGITIZATION_MAX_PAGES",
        default=DEFAULT_MAX_PAGES,
        type=int,
        minimum=1,
        meaning="Longer PDFs are refused before any work",
    ),
    ConfigKey(
        name="DIGITIZATION_MAX_FILE_SIZE",
        default=20 * 1024 * 1024,
        type=int,
        minimum=1,
        meaning="Larger uploads are refused (bytes; default 20 MiB)",
    ),
    ConfigKey(
        name="DIGITIZATION_MAX_FILES",
        default=100,
        type=int,
        minimum=1,
        meaning="Files in one upload",
    ),
    ConfigKey(
        name="DIGITIZATION_PAGE_SIZE",
        default=1600,
        type=int,
        minimum=100,
        meaning="Longest side, in pixels, of a rendered page preview",
    ),
    ConfigKey(
        name="DIGITIZATION_OCR_WORKERS",
        default=None,
        type=int,
        minimum=1,
        meaning="Processes reading scanned pages at once; unset: one per core",
    ),
    ConfigKey(
        name="DIGITIZATION_STUCK_AFTER",
        default=1800,
        type=int,
        minimum=60,
        meaning="Seconds after which a document still processing counts as interrupted",
    ),
    *(
        ConfigKey(
            name=f"DIGITIZATION_MODE_{key.upper()}",
            default="auto",
            choices=tuple(MODES),
            example="manual",
            meaning="`auto` on upload, `manual` on *Digitize*, or `never` (also on the "
            "Settings page)",
        )
        for key in KINDS
    ),
    *(
        ConfigKey(
            name=f"DIGITIZATION_CREDITS_{key.upper()}",
            default=Decimal(1),
            type=_credits,
            meaning="Credits per document",
        )
        for key in KINDS
    ),
)


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
