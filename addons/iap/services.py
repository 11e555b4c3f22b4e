"""Services and their packs, as declared by addons through ``iap_services``."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

from addons.iap.catalog import Pack, Service, standard_packs
from addons.iap.hookspecs import IapHooks
from host import hooks, request_cache

__all__ = [
    "Pack",
    "Service",
    "UnknownServiceError",
    "all_services",
    "buy_url",
    "get_service",
    "standard_packs",
]


class UnknownServiceError(LookupError):
    pass


def all_services() -> list[Service]:
    """Services of the enabled addons, gathered once per request or job."""
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
