"""Login, roles and CSRF protection, applied to every request.

Every endpoint needs a logged-in user unless its view is marked with
:func:`public`; admin views use :func:`admin_required`. Every POST, PUT,
PATCH and DELETE must carry the session's CSRF token, except webhooks, which
verify their own signatures (:func:`webhook`).
"""

from __future__ import annotations

import functools
import hmac
import secrets

from flask import (
    abort,
    current_app,
    has_request_context,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from host import public_endpoints
from host.models import User
from host.public_endpoints import public_endpoint

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

    return wrapper


def current_user() -> User | None:
    if not has_request_context():
        return None
    cache = request.environ.setdefault("iap_host.cache", {})
    if "user" not in cache:
        user_id = session.get("user_id")
        user = None
        if user_id is not None:
            user = User.get_or_none((User.id == user_id) & User.active)
        cache["user"] = user
    return cache["user"]


def login_user(user: User) -> None:
    session.clear()
    session["user_id"] = user.id
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    request.environ.setdefault("iap_host.cache", {})["user"] = user


def logout_user() -> None:
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
    if not getattr(view, "host_public", False) and current_user() is None:
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
    return None


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
