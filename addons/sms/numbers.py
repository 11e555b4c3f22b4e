"""Phone number normalisation to E.164, built on ``phonenumbers``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

MISSING = "missing"
WRONG_FORMAT = "wrong_format"

# Separators people type; anything else (``#``, ``*``, ``;``...) is refused rather than
# silently dropped by the parser.
_ALLOWED_PUNCTUATION = frozenset("+-.()/")


class InvalidNumber(ValueError):
    """A phone number that cannot be used; ``reason`` is ``"missing"`` or ``"wrong_format"``."""

    def __init__(self, message: str, reason: str = WRONG_FORMAT):
        super().__init__(message)
        self.reason = reason


def _check_characters(raw: str) -> None:
    if any(c.isalpha() for c in raw):
        # phonenumbers would turn vanity letters (1-800-FLOWERS) into digits; a typo in a
        # contact field must not become a real number somebody else owns.
        raise InvalidNumber(f"The phone number {raw!r} contains letters.")
    unexpected = [c for c in raw if not (c.isdecimal() or c.isspace() or c in _ALLOWED_PUNCTUATION)]
    if unexpected:
        raise InvalidNumber(
            f"The phone number {raw!r} contains an unexpected character {unexpected[0]!r}."
        )
    if not any(c.isdecimal() for c in raw):
        raise InvalidNumber(f"The phone number {raw!r} contains no digits.")


def _clean_regions(regions: Iterable[str | None]) -> list[str]:
    supported = phonenumbers.SUPPORTED_REGIONS
    cleaned = (r.strip().upper() for r in regions if r and r.strip())
    return list(dict.fromkeys(r for r in cleaned if r in supported))


def normalize(raw: str | None, *, regions: Iterable[str | None] = ()) -> str:
    """Return ``raw`` as an E.164 string such as ``"+32470123456"``.

    A number written in international form (``+32 …`` or ``0032 …`` once a region is
    known) is used as is. A national number (``0470 …``) is tried against ``regions``
    in order, typically the contact's country then the company's; the first region in
    which it is a valid number wins. Unknown or empty region codes are ignored.

    Raises :class:`InvalidNumber` with ``reason="missing"`` for an empty value and
    ``reason="wrong_format"`` for letters, stray characters, unparsable, impossible
    or invalid numbers.
    """
    return _parse_valid(raw, regions)[1]


def _parse_valid(raw, regions) -> tuple[phonenumbers.PhoneNumber, str]:
    """``(parsed number, E.164)`` of ``raw``, or :class:`InvalidNumber` (see :func:`normalize`)."""
    if raw is None or not str(raw).strip():
        raise InvalidNumber("No phone number was given.", reason=MISSING)
    raw = str(raw).strip()
    _check_characters(raw)
    # phonenumbers chokes on some Unicode spaces (narrow no-break space, tab...).
    number = " ".join(raw.split())

    candidates: list[str | None] = [None] if number.startswith("+") else _clean_regions(regions)
    if not candidates:
        raise InvalidNumber(
            f"The phone number {raw!r} has no country code; write it as +<country code> "
            "<number> or set the contact's country."
        )

    problem = "is not a valid phone number"
    for region in candidates:
        try:
            parsed = phonenumbers.parse(number, region)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return parsed, phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
        if not phonenumbers.is_possible_number(parsed):
            problem = "has the wrong length"

    where = "" if candidates == [None] else f" for {', '.join(str(c) for c in candidates)}"
    raise InvalidNumber(f"The phone number {raw!r} {problem}{where}.")


def locate(raw: str | None, regions: tuple[str | None, ...] = ()) -> tuple[str, str]:
    """``(E.164, country)`` of ``raw``, as :func:`normalize` then :func:`country_of` would
    give (the country is ``""`` when the number belongs to none), parsing it once.

    Answers are kept per process (they depend on ``phonenumbers``' metadata only), so a
    mass SMS's numbers are parsed once for the composer and not again when it is sent."""
    found = _located(raw, tuple(regions))
    if isinstance(found, InvalidNumber):
        raise InvalidNumber(str(found), found.reason)
    return found


@lru_cache(maxsize=1 << 16)
def _located(raw, regions: tuple) -> tuple[str, str] | InvalidNumber:
    try:
        parsed, e164 = _parse_valid(raw, regions)
    except InvalidNumber as exc:
        return exc
    region = phonenumbers.region_code_for_number(parsed)
    if not region or len(region) != 2 or not region.isalpha():
        region = ""
    return e164, region


def _parse_e164(e164: str) -> phonenumbers.PhoneNumber:
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException as exc:
        raise InvalidNumber(f"{e164!r} is not an E.164 phone number ({exc}).") from None
    return parsed


def format_international(e164: str) -> str:
    """Format an E.164 number for display, e.g. ``"+32 470 12 34 56"``."""
    return phonenumbers.format_number(_parse_e164(e164), PhoneNumberFormat.INTERNATIONAL)


def country_of(e164: str) -> str:
    """Return the ISO 3166-1 alpha-2 region of an E.164 number, e.g. ``"BE"``.

    Raises :class:`InvalidNumber` for numbers that belong to no country (``+800``
    freephone, satellite and other non-geographic ranges) or to no known region.
    """
    parsed = _parse_e164(e164)
    region = phonenumbers.region_code_for_number(parsed)
    if not region or len(region) != 2 or not region.isalpha():
        raise InvalidNumber(f"The phone number {e164!r} does not belong to a country.")
    return region
