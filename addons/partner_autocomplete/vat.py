"""VAT numbers checked offline with python-stdnum, before any network call.

Every country python-stdnum knows a VAT module for is accepted, with its own
prefix (``EL`` for Greece, ``XI`` for Northern Ireland, ``CHE`` for
Switzerland). The United States has no VAT: its federal tax id (EIN) is
accepted under the prefix ``US``. A refusal names what was wrong and the
country's expected format, taken from an example stdnum itself validates.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pycountry
from stdnum import exceptions
from stdnum.util import get_cc_module

# Member states VIES answers for, by their VIES prefix (Greece is EL).
VIES_PREFIXES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "XI",
    ]
)
MAX_INPUT = 40
_SEPARATORS = re.compile(r"[\s.\-/,_:()\u2010-\u2015]+")
# Cyrillic letters that North Macedonia writes its prefix with (МК).
_LOOKALIKES = str.maketrans({"М": "M", "К": "K"})
_EXAMPLE = re.compile(r">>> \w+\('([^']+)'\)")


class VatError(ValueError):
    """A VAT number refused offline; the message is shown on the field."""


@dataclass(frozen=True)
class VatNumber:
    prefix: str  # as written in the number: BE, EL, XI, CHE, US
    number: str  # the national part, compact
    country: str  # ISO 3166 alpha-2: GR for EL, GB for XI

    @property
    def compact(self) -> str:
        return self.prefix + self.number

    @property
    def in_vies(self) -> bool:
        return self.prefix in VIES_PREFIXES


def clean(raw: str) -> str:
    """Upper case without spaces, dots, dashes or slashes."""
    text = _SEPARATORS.sub("", (raw or "").strip().upper()).translate(_LOOKALIKES)
    if text.isascii():
        return text
    # Arabic-Indic and other decimal digits, as some registers print them.
    return "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)


def _iso(prefix: str) -> str:
    return {"EL": "GR", "XI": "GB", "CHE": "CH"}.get(prefix, prefix)


def prefix_for(country: str) -> str:
    """The VAT prefix of an ISO country code (``GR`` -> ``EL``)."""
    return {"GR": "EL", "CH": "CHE"}.get(country.upper(), country.upper())


@functools.cache
def _module(iso: str):
    if iso == "US":
        from stdnum.us import ein

        return ein
    if iso == "EU":  # the EU's own numbers for non-EU sellers (VAT OSS)
        from stdnum.eu import oss

        return oss
    try:
        return get_cc_module(iso.lower(), "vat")
    except Exception:  # stdnum raises on names it cannot import
        return None


def country_name(iso: str) -> str:
    country = pycountry.countries.get(alpha_2=iso)
    return country.name if country else iso


@functools.cache
def expected_format(prefix: str) -> str:
    """``BE + 10 digits (BE0428759497)``: the shape of a valid number, from stdnum's own example."""
    iso = _iso(prefix)
    module = _module(iso)
    if module is None:
        return ""
    national = _example(iso, module)
    if not national:
        return ""
    runs = re.findall(r"\d+|[A-Z]+", national)
    shape = " + ".join(
        f"{len(r)} digit{'s' if len(r) > 1 else ''}" if r[0].isdigit() else r for r in runs
    )
    return f"{prefix} + {shape} ({prefix}{national})"


@functools.cache
def _example(iso: str, module) -> str:
    """The national part of the first number in the module's doctests that it validates."""
    for candidate in _EXAMPLE.findall(module.__doc__ or ""):
        number = clean(candidate)
        for national in (number[3:] if iso == "CH" else number[2:], number):
            try:
                compacted = module.validate("CHE" + national if iso == "CH" else national)
            except Exception:  # stdnum's own examples include refusals
                continue
            return compacted[3:] if iso == "CH" else compacted
    return ""


def _split(number: str, country: str) -> tuple[str, str]:
    if number.startswith("CHE"):
        return "CHE", number[3:]
    if number[:2].isalpha():
        prefix = "EL" if number[:2] == "GR" else number[:2]
        # Letters that are no country's prefix belong to the number (Mexico's RFC).
        if not country or prefix == prefix_for(country) or _module(_iso(prefix)) is not None:
            return prefix, number[2:]
    if not country:
        raise VatError("Give the country prefix, for example BE0477472701.")
    return prefix_for(country), number


def parse(raw: str, country: str = "") -> VatNumber:
    """The VAT number in ``raw``, checked offline; ``country`` (ISO) is used
    when the number has no prefix. Raises :class:`VatError`."""
    number = clean(raw)
    if not number:
        raise VatError("Enter a VAT number.")
    if len(number) > MAX_INPUT:
        raise VatError(f"A VAT number has at most {MAX_INPUT} characters.")
    if not re.fullmatch(r"[A-Z0-9Ñ&]+", number):
        raise VatError("A VAT number has only letters and digits.")
    prefix, national = _split(number, country)
    iso = _iso(prefix)
    module = _module(iso)
    if module is None or not national:
        raise VatError(f"{prefix} is not a country prefix we can check (BE, DE, EL, FR, XI…).")
    if country and country.upper() != iso:
        home = _module(country.upper())
        if home is not None and home.is_valid(number):  # letters of the number, not a prefix
            return parse(prefix_for(country) + number)
        raise VatError(
            f"The prefix {prefix} is {country_name(iso)}, but the contact is in "
            f"{country_name(country.upper())}: expected {expected_format(prefix_for(country))}."
        )
    shape = expected_format(prefix)
    try:
        target = prefix + national if iso in ("CH", "EU") else national
        compacted = module.validate(target)
    except exceptions.InvalidChecksum:
        raise VatError(f"Wrong check digits for {country_name(iso)}: expected {shape}.") from None
    except exceptions.InvalidLength:
        raise VatError(f"Wrong length for {country_name(iso)}: expected {shape}.") from None
    except exceptions.ValidationError:
        if re.search(r"[A-Z]", national) and not re.search(r"[A-Z]", _example(iso, module)):
            raise VatError(
                f"{country_name(iso)} VAT numbers have digits only: expected {shape}."
            ) from None
        raise VatError(f"Not a {country_name(iso)} VAT number: expected {shape}.") from None
    if iso in ("CH", "EU"):
        compacted = compacted[len(prefix) :]
    return VatNumber(prefix=prefix, number=compacted, country=iso)


def is_valid(raw: str, country: str = "") -> bool:
    try:
        parse(raw, country)
    except VatError:
        return False
    return True
