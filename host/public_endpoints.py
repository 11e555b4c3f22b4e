"""Routes that anonymous visitors may reach, each with its own proof and a rate limit.

An addon marks such a view with :func:`public_endpoint`: a tracking snippet
called from a customer's website, a signer's page reached by a secret token,
a provider's callback. The view still proves who is calling (a token from
:func:`sign_token`, a provider's signature), and the host counts the calls of
each client address per endpoint before the view runs: over the limit, it
answers 429 with ``Retry-After`` and the view never runs. The counts live in
the database, or in Redis when ``REDIS_URL`` is set, so every web process
shares them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from host import rate_counters

# What the view checks before it trusts the request; "none": it only
# publishes what is public by nature (a JWKS of public keys) and changes nothing.
AUTH_KINDS = ("token", "signature", "none")
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` calls per ``seconds`` from one client address."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str | RateLimit) -> RateLimit:
        """``"30/minute"``, ``"1000/hour"``, ``"5/10 seconds"``."""
        if isinstance(text, RateLimit):
            return text
        match = _RATE.match(str(text))
        if not match or int(match[1]) < 1:
            raise ValueError(
                f"rate limit {text!r}: write it as '30/minute' (count / second, minute, hour "
                "or day, optionally with a number of them: '5/10 seconds')"
            )
        return cls(int(match[1]), int(match[2] or 1) * _UNITS[match[3]])

    def __str__(self) -> str:
        return f"{self.count} per {self.seconds} s"


@dataclass(frozen=True)
class PublicEndpoint:
    """What a public view declared: how it authenticates, and its rate limit."""

    auth: str
    rate_limit: RateLimit
    description: str = ""


def public_endpoint(*, auth: str, rate_limit: str | RateLimit, description: str = ""):
    """Let anonymous visitors reach the decorated view.

    ``auth`` says what the view checks before trusting the request:
    ``"token"`` (a secret or signed token in the URL or a header, see
    :func:`read_token`), ``"signature"`` (a provider's signed callback) or
    ``"none"`` (a read-only view of public data, such as a JWKS of public keys).
    ``rate_limit`` (``"30/minute"``) bounds the calls per client address;
    the host refuses the excess with 429 before the view runs, so a token
    cannot be guessed by brute force. No CSRF token is asked: the caller is
    not a logged-in browser session.
    """
    if auth not in AUTH_KINDS:
        raise ValueError(f"public_endpoint auth must be one of {AUTH_KINDS}, not {auth!r}")
    spec = PublicEndpoint(auth, RateLimit.parse(rate_limit), description)

    def decorate(view):
        view.host_public = True
        view.host_csrf_exempt = True
        view.host_public_endpoint = spec
        return view

    return decorate


def declared(view) -> PublicEndpoint | None:
    return getattr(view, "host_public_endpoint", None)


# -- rate limiting ------------------------------------------------------------


def over_limit(endpoint: str, spec: PublicEndpoint, now: float | None = None) -> int:
    """Count this request; return 0 if it may go on, else the seconds to wait.

    Fixed windows, counted where every process sees them (the database, or
    Redis when ``REDIS_URL`` is set: see :mod:`host.rate_counters`).
    """
    limit = spec.rate_limit
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    key = f"{endpoint}|{request.remote_addr or '-'}"[:200]
    ttl = rate_counters.window_ttl(window, limit.seconds, now)
    hits = rate_counters.counts_for(current_app).hit(endpoint, key, window, ttl)
    if hits <= limit.count:
        return 0
    return max(1, int((window + 1) * limit.seconds - now + 0.999))


# -- signed tokens --------------------------------------------------------------


class BadToken(Exception):
    """A token that was not made by this host for this purpose, or has expired."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"iap_host.{purpose}")


def sign_token(purpose: str, value) -> str:
    """A URL-safe token carrying ``value`` (JSON-serialisable), signed with the
    app's secret key for one ``purpose`` (``"sign.page"``): a token made for one
    purpose is refused for any other."""
    return _serializer(purpose).dumps(value)


def read_token(purpose: str, token: str, max_age: int | None = None):
    """The value of a token from :func:`sign_token`; raises :class:`BadToken` if
    it was altered, made for another purpose, or is older than ``max_age`` seconds."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise BadToken("This link has expired.") from exc
    except BadSignature as exc:
        raise BadToken("This link is not valid.") from exc
