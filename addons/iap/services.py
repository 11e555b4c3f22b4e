"""Services and their packs, as declared by addons through ``iap_services``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, has_request_context, url_for

from addons.iap.amounts import to_credit


class UnknownServiceError(LookupError):
    pass


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


def all_services() -> list[Service]:
    """Services of the enabled addons, gathered once per request or job."""
    from addons.iap.hookspecs import IapHooks
    from host import hooks, request_cache

    cache = request_cache()
    if cache is not None and "iap_services" in cache:
        return cache["iap_services"]
    services = hooks(IapHooks).iap_services()
    if cache is not None:
        cache["iap_services"] = services
    return services


def get_service(key: str) -> Service:
    for service in all_services():
        if service.key == key:
            return service
    raise UnknownServiceError(
        f"no credit service {key!r} is enabled; enable the addon that provides it"
    )


def buy_url(service: str) -> str:
    """The service's buy page: a path in a request, an absolute URL elsewhere (mails, jobs)."""
    if has_request_context():
        return url_for("iap.buy", service=service)
    return f"{current_app.config['HOST_BASE_URL'].rstrip('/')}/iap/buy/{service}"
