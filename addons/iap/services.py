"""Services and their packs, as declared by addons through ``iap_services``."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

from addons.iap.catalog import Pack, Service, standard_packs
from addons.iap.hookspecs import IapHooks
from host import hooks, registry

__all__ = [
    "Pack",
    "Service",
    "UnknownServiceError",
    "all_services",
    "services_changed",
    "buy_url",
    "get_service",
    "standard_packs",
]


class UnknownServiceError(LookupError):
    pass


# Bumped by :func:`services_changed`: every app gathers its services again.
_generation = 0


def services_changed() -> None:
    """Say that an addon's ``iap_services`` now returns something else (a test
    that changes a service's trial): every app asks the hook again."""
    global _generation
    _generation += 1


def _gathered(enabled: frozenset[str] | None = None, extensions: dict | None = None) -> tuple:
    """(what they were gathered for, the services, the services by key).

    Gathered once per app and set of enabled addons (``iap_services`` returns
    the same services for the same addons): a charge pays for the read of the
    enabled addons (once per request or job), not for calling, checking and
    sorting every addon's services."""
    if extensions is None:
        extensions = current_app.extensions
    registry = extensions["host"]
    if enabled is None:
        enabled = registry.enabled_names()
    kept = extensions.get("iap_services")
    if kept is None or kept[0] != (enabled, _generation):
        failures = registry.runtime_failures
        services = hooks(IapHooks).iap_services()
        kept = ((enabled, _generation), services, {s.key: s for s in services})
        # An addon's hook raised (its services are missing) or answered
        # wrongly: use what came this time, and ask again next time.
        if registry.runtime_failures == failures:
            extensions["iap_services"] = kept
    return kept


def all_services() -> list[Service]:
    """Services of the enabled addons, sorted as the hook's lists are."""
    return list(_gathered()[1])


def get_service(key: str) -> Service:
    service = _gathered()[2].get(key)
    if service is not None:
        return service
    raise UnknownServiceError(
        f"no credit service {key!r} is enabled; enable the addon that provides it"
    )


def kept_service(key: str, app=None) -> tuple[int | None, Service]:
    """``(counter, service)``: the service among the enabled addons as this
    process kept them, without reading them, and the ``host.state_version``
    counter they were read at. Its caller checks the counter in a statement
    it sends anyway (``charge()``'s hold, with ``host.state_unchanged``) and
    calls :func:`recheck_service` when it moved. A service not among the
    kept ones is looked for in the addons read now (one enabled since).
    ``app``: the current app, when the caller has it at hand."""
    extensions = (current_app if app is None else app).extensions
    version, enabled = extensions["host"].kept_enabled()
    service = _gathered(enabled, extensions)[2].get(key)
    if service is None:
        return None, get_service(key)
    return version, service


def recheck_service(key: str, state: int | None) -> None:
    """For a :func:`kept_service` caller whose check of the counter did not
    pass, or was not made (a hold that took the long way: a refusal, a key,
    a first use): when the counter moved since ``state``, the enabled addons
    are read again and an addon disabled since raises
    :class:`UnknownServiceError`. One row read when it did not move."""
    registry_ = registry()
    if registry_.state_moved_since(state):
        registry_.reread_enabled()
        get_service(key)


def buy_url(service: str) -> str:
    """The service's buy page: a path in a request, an absolute URL elsewhere (mails, jobs)."""
    if has_request_context():
        return url_for("iap.buy", service=service)
    return f"{current_app.config['HOST_BASE_URL'].rstrip('/')}/iap/buy/{service}"
