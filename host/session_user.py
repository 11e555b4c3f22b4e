"""The request's logged-in user, read from the session. A leaf module: the
login views (``host.security``) and the access groups (``host.access``) both
ask it, so neither imports the other for it."""

from __future__ import annotations

import time

from flask import current_app, has_request_context, request, session

from host.models import User, UserSession


def current_user() -> User | None:
    if not has_request_context():
        return None
    cache = request.environ.setdefault("iap_host.cache", {})
    if "user" not in cache:
        cache["user"] = _session_user()
    return cache["user"]


def _session_user() -> User | None:
    """The session's user, while its session is still valid: the user active,
    the session's version the user's current one, not idle too long, not
    older than its absolute lifetime. Anything else ends the session."""
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = User.get_or_none((User.id == user_id) & User.active)
    now = int(time.time())
    config = current_app.config
    valid = (
        user is not None
        and session.get("sv") == session_version(user.id)
        and now - int(session.get("login_at", 0)) <= config["HOST_SESSION_LIFETIME"]
        and now - int(session.get("seen_at", 0)) <= config["HOST_SESSION_IDLE_TIMEOUT"]
    )
    if not valid:
        session.clear()
        return None
    # Written at most once a minute, so most responses carry no new cookie.
    if now - int(session["seen_at"]) >= 60:
        session["seen_at"] = now
    return user


def session_version(user_id: int) -> int:
    row = UserSession.get_or_none(UserSession.user == user_id)
    return row.version if row is not None else 0
