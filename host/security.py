"""Login, roles and CSRF protection, applied to every request.

Every endpoint needs a logged-in user unless its view is marked with
:func:`public`; admin views use :func:`admin_required`; an addon's views
need its access group (``host.access``). Every POST, PUT,
PATCH and DELETE must carry the session's CSRF token, except webhooks, which
verify their own signatures (:func:`webhook`).
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from host import access, public_endpoints
from host.models import User, UserSession
from host.public_endpoints import public_endpoint
from host.session_user import current_user, session_version

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Providers retry and burst (a mass SMS's delivery reports); a flood is still cut.
WEBHOOK_RATE_LIMIT = "1200/minute"


def public(view):
    """Let anonymous visitors reach the view: the host's login page and health
    check. Addons use :func:`host.public_endpoint`, which adds a rate limit."""
    view.host_public = True
    return view


def csrf_exempt(view):
    view.host_csrf_exempt = True
    return view


def webhook(view=None, *, rate_limit: str = WEBHOOK_RATE_LIMIT):
    """A provider's callback: no login, no CSRF token; the view MUST verify
    the provider's signature before trusting anything in the request. It is a
    public endpoint (``host.public_endpoint``) with ``auth="signature"``; calls
    beyond ``rate_limit`` per client address are refused with 429."""
    decorate = public_endpoint(auth="signature", rate_limit=rate_limit)
    return decorate if view is None else decorate(view)


def admin_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = current_user()
        if user is None or not user.is_admin:
            abort(403, description="This page is for administrators.")
        return view(*args, **kwargs)

    wrapper.host_admin_only = True  # what the route walk test checks
    return wrapper


def end_sessions(user_id: int) -> None:
    """End every session of a user, on every device and every copy of its cookie."""
    updated = (
        UserSession.update(version=UserSession.version + 1)
        .where(UserSession.user == user_id)
        .execute()
    )
    if not updated:
        UserSession.insert(user=user_id, version=1).on_conflict(
            conflict_target=[UserSession.user],
            update={UserSession.version: UserSession.version + 1},
        ).execute()


def session_values(user: User) -> dict:
    """What a fresh session of ``user`` holds (also used by the test fixtures)."""
    now = int(time.time())
    return {
        "user_id": user.id,
        "sv": session_version(user.id),
        "login_at": now,
        "seen_at": now,
        "csrf": secrets.token_urlsafe(32),
    }


def login_user(user: User) -> None:
    session.clear()
    session.update(session_values(user))
    session.permanent = True
    request.environ.setdefault("iap_host.cache", {})["user"] = user


def logout_user() -> None:
    user = current_user()
    if user is not None:
        end_sessions(user.id)
    session.clear()
    request.environ.setdefault("iap_host.cache", {})["user"] = None


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token())


def _view():
    if request.endpoint is None:
        return None
    return current_app.view_functions.get(request.endpoint)


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def check_request():
    """``before_request``: login, then CSRF. Order matters: an anonymous POST
    is sent to the login page rather than told about tokens."""
    view = _view()
    if view is None or _is_static(request.endpoint):
        return None
    declared = public_endpoints.declared(view)
    if declared is not None:
        wait = public_endpoints.over_limit(request.endpoint, declared)
        if wait:
            return _too_many_requests(wait)
        # Anyone may call it: refuse a big body before it is read, let alone
        # buffered for a signature check (the app-wide limit is for uploads).
        limit = current_app.config["HOST_PUBLIC_MAX_BODY"]
        if (request.content_length or 0) > limit:
            abort(413, description="This request is too large.")
        request.max_content_length = limit
    # Only the host's own pages may be public without a declared proof and
    # limit: an addon's bare ``@public`` fails closed and needs a login.
    public = getattr(view, "host_public", False) and (
        declared is not None or request.blueprint == "host"
    )
    if not public and current_user() is None:
        if _wants_json():
            abort(401, description="Log in first.")
        return redirect(url_for("host.login", next=request.full_path.rstrip("?")))
    if request.method in UNSAFE_METHODS and not getattr(view, "host_csrf_exempt", False):
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
        expected = session.get("csrf", "")
        if not expected or not sent or not hmac.compare_digest(sent, expected):
            abort(
                400,
                description="This form has expired or did not come from this site "
                "(invalid CSRF token). Reload the page and try again.",
            )
    if not public and not getattr(view, "host_admin_only", False):
        _check_group(view)
    if _has_nul(request.args) or (request.method in UNSAFE_METHODS and _has_nul(request.form)):
        # No text a user types holds NUL; PostgreSQL refuses to store it (a 500).
        abort(400, description="The form holds a NUL character, which no field accepts.")
    return None


def _has_nul(values) -> bool:
    return any("\x00" in value for _, items in values.lists() for value in items)


def _check_group(view) -> None:
    owner = current_app.extensions["host"].blueprint_owner.get(
        (request.blueprint or "").split(".")[0]
    )
    group = access.required_group(view, owner)
    if group is not None and not access.has_group(group):
        abort(403, description=access.refusal(group))


def _wants_json() -> bool:
    return (
        request.headers.get("X-Requested-With") == "fetch"
        or request.accept_mimetypes.best == "application/json"
    )


def _too_many_requests(wait: int):
    message = f"Too many requests. Try again in {wait} seconds."
    if _wants_json():
        response = jsonify(error=message)
    else:
        response = current_app.response_class(message, mimetype="text/plain")
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


# Scripts and styles only from this site's files: no inline <script>, no
# on*= handler, no style="" (templates use classes; host.js sets geometry),
# so markup slipped into a page cannot run. Images may be data: URLs (the
# snailmail preview). No framing (clickjacking), no plugins, <base> only to
# this site. No form-action: browsers apply it to the redirect to a payment page.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def add_security_headers(response):
    """``after_request``: the headers every answer carries, and no caching of
    what a logged-in user sees (a shared computer's back button, a proxy)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    cache = request.environ.get("iap_host.cache", {})
    if cache.get("user") is not None and not _is_static(request.endpoint):
        headers["Cache-Control"] = "no-store"
    return response
