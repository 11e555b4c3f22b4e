"""Where a ``next=`` may send the browser back to: a page of this site only."""

from __future__ import annotations

from flask import has_request_context, request


def local_path(target: str | None) -> str | None:
    """``target`` when it leads to a page of this site, else None.

    A path (``/contacts/4?tab=2``) is kept; a full URL of this very site is
    given back as its path. Anything that could lead elsewhere is refused:
    another host (an open redirect helps phishing), ``//host``, a backslash
    (browsers read it as a slash), and control or other unprintable
    characters (browsers drop tabs and newlines; a line break would also
    break the ``Location`` header). Use it for every redirect to a URL the
    request carries: ``redirect(local_path(request.args.get("next")) or
    url_for("sms.index"))``."""
    if not target:
        return None
    if has_request_context() and target.startswith(request.host_url):
        target = "/" + target[len(request.host_url) :]
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target if target.isprintable() else None
