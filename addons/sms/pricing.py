"""What a text costs: the one function the composer, the preview and the charge use.

Prices come from ``data/prices.csv``, overridden per country by admins on the
Prices page (table ``sms_price``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from addons.sms import config, pricing_table, segments
from addons.sms.models import SmsDefaultPrice, SmsPrice
from addons.sms.pricing_table import CountryNotSupported

__all__ = ["CountryNotSupported", "Quote", "default_prices", "outgoing_text", "prices", "quote"]


@functools.cache
def default_prices() -> dict[str, Decimal]:
    """The shipped table (read once per process)."""
    return pricing_table.load_default_prices()


@functools.cache
def default_names() -> dict[str, str]:
    import csv

    with pricing_table.DEFAULT_PRICES_PATH.open(encoding="utf-8") as handle:
        return {row["country"]: row["name"] for row in csv.DictReader(handle)}


def prices() -> dict[str, Decimal]:
    """Credits per part by country: the shipped table with the admins' overrides."""
    table = dict(default_prices())
    for row in SmsPrice.select():
        table[row.country] = row.credits_per_part.normalize()
    return table


def sync_default_prices() -> None:
    """Make ``sms_default_price`` the shipped table again if it is not (a new
    install, or a release that changed ``data/prices.csv``): one read of ~50
    rows when it already is."""
    from host import write_transaction

    shipped = default_prices()
    kept = {row.country: row.credits_per_part for row in SmsDefaultPrice.select()}
    if kept == shipped:
        return
    with write_transaction():
        # Upsert, then drop what the CSV no longer has: two processes doing it
        # at once (the first plans after an upgrade) must not collide.
        rows = [{"country": c, "credits_per_part": p} for c, p in sorted(shipped.items())]
        SmsDefaultPrice.insert_many(rows).on_conflict(
            conflict_target=[SmsDefaultPrice.country],
            preserve=[SmsDefaultPrice.credits_per_part],
        ).execute()
        SmsDefaultPrice.delete().where(SmsDefaultPrice.country.not_in(list(shipped))).execute()


def outgoing_text(body: str) -> str:
    """The text as it will be sent: with look-alikes replaced when smart encoding is on."""
    return segments.smart_encode(body) if config.get("smart_encoding") else body


@dataclass(frozen=True)
class Quote:
    """The cost of one text to one country (``credits`` = ``parts`` x ``credits_per_part``)."""

    text: str
    info: segments.SegmentInfo
    country: str
    credits_per_part: Decimal
    credits: Decimal

    @property
    def parts(self) -> int:
        return self.info.parts


def quote(text: str, country: str, table: Mapping[str, Decimal] | None = None) -> Quote:
    """Price ``text`` (already through :func:`outgoing_text`) to ``country``.

    Raises :class:`CountryNotSupported` when the country has no price.
    """
    table = prices() if table is None else table
    info = segments.analyze(text)
    per_part = pricing_table.price(1, country, table)
    return Quote(text, info, country.upper(), per_part, per_part * info.parts)


def country_label(code: str) -> str:
    name = default_names().get(code)
    if name:
        return name
    try:
        import pycountry

        found = pycountry.countries.get(alpha_2=code)
    except (ImportError, LookupError):
        found = None
    return found.name if found else code


def _char_label(char: str) -> str:
    code = f"U+{ord(char):04X}"
    return code if not char.isprintable() or char.isspace() else f"{char} ({code})"


def counter(body: str, per_part_total: Decimal | None, recipients: int = 1) -> dict:
    """What the composer's live counter shows, for the page and ``/sms/preview``.

    ``per_part_total`` is the price of one part to every recipient (None while
    the recipient cannot be priced).
    """
    text = outgoing_text(body)
    info = segments.analyze(text)
    credits = per_part_total * info.parts if per_part_total is not None else None
    too_long = len(text) > segments.MAX_CHARACTERS
    return {
        "characters": info.characters,
        "max_characters": segments.MAX_CHARACTERS,
        "encoding": info.encoding,
        "unicode": info.encoding == segments.UCS2,
        "unicode_chars": [_char_label(c) for c in info.unicode_chars],
        "parts": info.parts,
        "remaining_in_part": info.remaining_in_part,
        "recipients": recipients,
        "credits": f"{credits.normalize():f}" if credits is not None else None,
        "smart_encoded": text != body,
        "problem": text_problem(text) if too_long else "",
    }


def text_problem(text: str) -> str:
    """The reason ``text`` cannot be sent (empty, too long), or ``""``."""
    try:
        segments.validate(text)
    except ValueError as exc:
        return str(exc)
    return ""
