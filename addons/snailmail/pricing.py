"""What a letter costs, in credits: one function, used by the composer, the
charge and the benchmark alike.

The price table (``data/prices.csv``) is zone × delivery class × colour, with
the first sheet's price and each further sheet's; it is copied into
``snailmail_price`` on first use, where administrators edit it. A country's
zone is ``domestic`` (the company's own country), else ``data/zones.csv``.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from addons.snailmail.addresses import country_name
from addons.snailmail.errors import NO_PRICE_AVAILABLE, LetterError
from addons.snailmail.models import Price
from host import Setting, db, utcnow

DATA = Path(__file__).resolve().parent / "data"
DELIVERIES = ("standard", "priority", "registered")
ZONES = ("domestic", "europe", "world")


@lru_cache(maxsize=1)
def shipped_prices() -> tuple[tuple[str, str, bool, Decimal, Decimal], ...]:
    with (DATA / "prices.csv").open(encoding="utf-8") as handle:
        return tuple(
            (
                row["zone"],
                row["delivery"],
                row["color"] == "color",
                Decimal(row["first_sheet"]),
                Decimal(row["extra_sheet"]),
            )
            for row in csv.DictReader(handle)
        )


@lru_cache(maxsize=1)
def zones() -> dict[str, str]:
    with (DATA / "zones.csv").open(encoding="utf-8") as handle:
        return {row["country"]: row["zone"] for row in csv.DictReader(handle)}


def ensure_table() -> None:
    """Copy the shipped table into the database the first time it is needed."""
    if Price.select().exists():
        return
    with db.atomic():
        Price.insert_many(
            [
                {"zone": z, "delivery": d, "color": c, "first_sheet": f, "extra_sheet": e}
                for z, d, c, f, e in shipped_prices()
            ]
        ).on_conflict_ignore().execute()


def zone_of(country: str) -> str | None:
    country = (country or "").upper()
    if country and country == Setting.read("company_country", "").upper():
        return "domestic"
    return zones().get(country)


def price(country: str, sheets: int, *, color: bool = False, delivery: str = "standard") -> Decimal:
    """Credits for a letter of ``sheets`` sheets to ``country``, or
    ``LetterError(NO_PRICE_AVAILABLE)`` when the table has none."""
    if delivery not in DELIVERIES:
        raise ValueError(f"unknown delivery class {delivery!r}")
    zone = zone_of(country)
    if zone is None:
        raise LetterError(
            NO_PRICE_AVAILABLE,
            f"Letters cannot be sent to {country_name(country) or 'this country'} yet: "
            "no price is set for it. Nothing was charged.",
            field="country_code",
        )
    ensure_table()
    row = Price.get_or_none(
        (Price.zone == zone) & (Price.delivery == delivery) & (Price.color == bool(color))
    )
    if row is None:
        raise LetterError(
            NO_PRICE_AVAILABLE,
            f"{delivery.capitalize()} delivery is not offered to {country_name(country)}: "
            "choose another delivery class.",
            field="delivery",
        )
    return row.first_sheet + row.extra_sheet * max(sheets - 1, 0)


def table() -> list[Price]:
    ensure_table()
    order = {z: i for i, z in enumerate(ZONES)}
    rows = list(Price.select())
    return sorted(rows, key=lambda r: (order.get(r.zone, 9), DELIVERIES.index(r.delivery), r.color))


def update(row_id: int, first_sheet: Decimal, extra_sheet: Decimal) -> None:
    Price.update(first_sheet=first_sheet, extra_sheet=extra_sheet, updated_at=utcnow()).where(
        Price.id == row_id
    ).execute()


def reset() -> None:
    """Back to the shipped table."""
    with db.atomic():
        Price.delete().execute()
    ensure_table()
