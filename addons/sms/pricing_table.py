"""Credits per SMS part and per destination country.

Prices are :class:`~decimal.Decimal` end to end: credits are money, and a float such as
``0.1 * 3`` would not equal the ``0.3`` a customer reads on the price list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

DEFAULT_PRICES_PATH = Path(__file__).with_name("data") / "prices.csv"
_COLUMNS = ("country", "name", "credits_per_part")


class CountryNotSupported(ValueError):
    """No price is defined for the destination country."""

    def __init__(self, country: str):
        super().__init__(f"Sending SMS to country {country!r} is not supported.")
        self.country = country


def parse_prices(text: str, *, source: str = "<prices>") -> dict[str, Decimal]:
    """Parse CSV text with columns ``country,name,credits_per_part``.

    Raises ``ValueError`` naming the line for a bad header, country code, duplicate
    country or a price that is not a non-negative decimal.
    """
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise ValueError(f"{source}: expected header {','.join(_COLUMNS)}")
    prices: dict[str, Decimal] = {}
    for row in reader:
        where = f"{source}, line {reader.line_num}"
        country = (row["country"] or "").strip()
        if len(country) != 2 or not country.isascii() or not country.isupper():
            raise ValueError(f"{where}: {country!r} is not an ISO 3166 alpha-2 code")
        if country in prices:
            raise ValueError(f"{where}: country {country} is listed twice")
        raw_price = (row["credits_per_part"] or "").strip()
        try:
            price = Decimal(raw_price)
        except InvalidOperation:
            raise ValueError(f"{where}: {raw_price!r} is not a decimal number") from None
        if not price.is_finite() or price < 0:
            raise ValueError(f"{where}: {raw_price!r} is not a valid price")
        prices[country] = price
    return prices


def load_prices(path: Path | str) -> dict[str, Decimal]:
    """Read a price table from a CSV file (see :func:`parse_prices`)."""
    path = Path(path)
    return parse_prices(path.read_text(encoding="utf-8"), source=str(path))


def load_default_prices() -> dict[str, Decimal]:
    """Read the price table shipped with the addon (``data/prices.csv``)."""
    return load_prices(DEFAULT_PRICES_PATH)


def price(parts: int, country: str, table: Mapping[str, Decimal]) -> Decimal:
    """Credits for sending ``parts`` SMS parts to ``country`` (ISO alpha-2)."""
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 0:
        raise ValueError(f"The number of parts must be a non-negative integer, not {parts!r}.")
    code = (country or "").strip().upper()
    if code not in table:
        raise CountryNotSupported(country)
    return table[code] * parts
