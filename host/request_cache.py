"""Values computed once per request, or once per app context outside one.

A leaf module (flask only), so that both the plugin registry and the access
checks it serves can use it without importing each other."""

from __future__ import annotations

from flask import g, has_app_context, has_request_context, request


def request_cache() -> dict | None:
    """Values computed once per request, or once per app context outside a
    request (a job, a CLI command). In a request the app context may be one
    that outlives many requests (tests), so the request itself holds them."""
    if has_request_context():
        return request.environ.setdefault("iap_host.cache", {})
    return context_cache()


def context_cache() -> dict | None:
    """The app context's own cache (``None`` outside an app context)."""
    if not has_app_context():
        return None
    return g.setdefault("iap_host_cache", {})
