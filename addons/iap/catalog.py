"""What a service sells: the ``Service`` and ``Pack`` the ``iap_services`` hook
returns (a leaf module, so the hook's spec can name them)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from addons.iap.amounts import to_credit


@dataclass(frozen=True)
class Pack:
    key: str
    name: str
    credits: Decimal
    price: Decimal
    currency: str = "EUR"

    def __post_init__(self):
        object.__setattr__(self, "credits", to_credit(self.credits, name="pack credits"))
        price = Decimal(str(self.price)) if not isinstance(self.price, Decimal) else self.price
        if price <= 0 or price != price.quantize(Decimal("0.01")):
            raise ValueError(f"pack {self.key!r}: the price must be positive with 2 decimals")
        object.__setattr__(self, "price", price)


@dataclass(frozen=True)
class Service:
    """A service sold for credits.

    ``trial_credits`` are granted once, as an expiring free lot, the first
    time the account is used (for eligible editions).
    """

    key: str
    name: str
    description: str = ""
    unit: str = "credit"
    packs: tuple[Pack, ...] = ()
    trial_credits: Decimal = Decimal(0)
    trial_days: int = 30
    icon: str = "💳"
    default_threshold: Decimal | None = None

    @property
    def id(self) -> str:  # UI objects are sorted by id
        return self.key

    @property
    def sequence(self) -> int:
        return 10

    def pack(self, key: str) -> Pack:
        for pack in self.packs:
            if pack.key == key:
                return pack
        raise LookupError(f"service {self.key!r} has no pack {key!r}")


def standard_packs(prices: dict[str, str] | None = None, currency: str = "EUR") -> tuple:
    """The four packs most services sell: Starter, Standard, Advanced, Expert."""
    if prices is None:
        return _default_packs(currency)
    return _packs(prices, currency)


@functools.lru_cache(maxsize=8)
def _default_packs(currency: str) -> tuple:
    # Packs are frozen: one set serves every call.
    return _packs(None, currency)


def _packs(prices: dict[str, str] | None, currency: str) -> tuple:
    prices = prices or {
        "starter": "10.00",
        "standard": "90.00",
        "advanced": "425.00",
        "expert": "800.00",
    }
    sizes = (
        ("starter", "Starter Pack", 10),
        ("standard", "Standard Pack", 100),
        ("advanced", "Advanced Pack", 500),
        ("expert", "Expert Pack", 1000),
    )
    return tuple(
        Pack(key, name, Decimal(size), Decimal(prices[key]), currency) for key, name, size in sizes
    )
