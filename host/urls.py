"""The URLs of the buttons, menu items, widgets and assets a page shows."""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

_KEPT = 4096  # URLs kept per app; past that the memo starts again


def endpoint_url(endpoint: str, values: dict) -> str:
    """``url_for(endpoint, **values)``, kept per app and site root.

    A page shows some thirty items whose URLs are the same on every page (the
    menu) or on every view of a record, and werkzeug's building of each adds
    up to a tenth of the page. Only absolute endpoints with plain values are
    kept; the rest (``_external``, a relative ``.name``, a list) goes to
    ``url_for`` every time. The app serves no routes by host or subdomain, so
    a path depends only on the root the app is mounted at."""
    if (
        not has_request_context()
        or endpoint.startswith(".")
        or any(name.startswith("_") for name in values)
    ):
        return url_for(endpoint, **values)
    try:
        key = (
            request.script_root,
            endpoint,
            tuple((name, type(value), value) for name, value in sorted(values.items())),
        )
        hash(key)
    except TypeError:
        return url_for(endpoint, **values)
    memo = current_app.extensions.setdefault("host_urls", {})
    url = memo.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if len(memo) >= _KEPT:
            memo.clear()
        memo[key] = url
    return url
