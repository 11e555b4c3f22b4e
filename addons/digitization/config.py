"""Settings: app config (``DIGITIZATION_*``, declared in :data:`CONFIG`) overridden
per kind on the Settings page.

The Settings page edits ``DIGITIZATION_MODE_<KIND>`` and
``DIGITIZATION_CREDITS_<KIND>`` through the contract's settings form
(:class:`SettingsForm`), saved as ``host.Setting`` ``digitization.mode_<kind>``
and ``digitization.credits_<kind>``; a value never saved there comes from the
config.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import current_app
from wtforms import Form, StringField

from addons.digitization.extract import DEFAULT_MAX_PAGES
from addons.digitization.kinds import KINDS
from host import AddonSettings, Config, ConfigKey

# The Settings block: when each kind is digitized, and what one costs.
SettingsForm = type(
    "SettingsForm",
    (Form,),
    {
        **{f"mode_{key}": StringField() for key in KINDS},
        **{f"credits_{key}": StringField() for key in KINDS},
    },
)

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
            editable=True,
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
            editable=True,
            meaning="Credits per document (also on the Settings page)",
        )
        for key in KINDS
    ),
    form=SettingsForm,
)
SETTINGS = AddonSettings("digitization", CONFIG)


def setting(name: str):
    return current_app.config[f"DIGITIZATION_{name.upper()}"]


def mode(kind: str) -> str:
    value = SETTINGS.get(f"mode_{kind}")
    return value if value in MODES else "auto"


def credits(kind: str) -> Decimal:
    """Credits one document of ``kind`` costs."""
    return SETTINGS.get(f"credits_{kind}")


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
    SETTINGS.put(f"mode_{kind}", mode_value)
    SETTINGS.put(f"credits_{kind}", credits_value)
