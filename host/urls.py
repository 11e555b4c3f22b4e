"""The URLs of the buttons, menu items, widgets and assets a page shows."""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

_KEPT = 4096  # URLs kept per app; past that the memo starts again
# url_for's own arguments: what they ask for is built every time.
_SPECIAL = frozenset({"_anchor", "_method", "_scheme", "_external"})


def endpoint_url(endpoint: str, values: dict) -> str:
    """``url_for(endpoint, **values)``, kept per app and site root.

    A page shows some thirty items whose URLs are the same on every page (the
    menu) or on every view of a record, and werkzeug's building of each adds
    up to a tenth of the page. Only absolute endpoints with plain values are
    kept; the rest (``_external``, a relative ``.name``, a list) goes to
    ``url_for`` every time. The app serves no routes by host or subdomain, so
    a path depends only on the root the app is mounted at."""
    if not has_request_context() or endpoint.startswith(".") or _SPECIAL.intersection(values):
        return url_for(endpoint, **values)
    # The values' types too: True == 1, but url_for writes them apart.
    key = (
        request.script_root,
        endpoint,
        tuple(values.items()),
        tuple(map(type, values.values())),
    )
    memo = current_app.extensions.setdefault("host_urls", {})
    try:
        url = memo.get(key)
    except TypeError:  # a value that cannot be a key (a list): built each time
        return url_for(endpoint, **values)
    if url is None:
        url = url_for(endpoint, **values)
        if len(memo) >= _KEPT:
            memo.clear()
        memo[key] = url
    return url
