"""The provider's discovery document and key set, fetched over HTTP and cached.

The key set is fetched again when a token names a ``kid`` we do not know
(at most once every ``refresh_floor`` seconds, so forged kids cannot make us
hammer the provider): that is how a provider's key
rotation is followed without trusting a key we have not fetched from it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from addons.itsme_sign.oidc.errors import DiscoveryError, ProviderUnavailable

REQUIRED = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
)


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    raw: dict


def fetch_json(session: requests.Session, url: str, timeout: float, what: str) -> dict:
    try:
        response = session.get(url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.Timeout as exc:
        raise ProviderUnavailable(f"itsme did not answer in time ({what}).") from exc
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"itsme cannot be reached ({what}).") from exc
    if response.status_code != 200:
        raise ProviderUnavailable(f"itsme answered {response.status_code} ({what}).")
    try:
        data = response.json()
    except ValueError as exc:
        raise ProviderUnavailable(f"itsme sent an unreadable answer ({what}).") from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"itsme sent an unreadable answer ({what}).")
    return data


class Discovery:
    """One provider, known by its discovery URL; safe to share between threads."""

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 10.0,
        ttl: float = 3600.0,
        refresh_floor: float = 30.0,
    ):
        self.url = url
        self.session = session or requests.Session()
        self.timeout = timeout
        self.ttl = ttl
        self.refresh_floor = refresh_floor
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._jwks: tuple[float, KeySet] | None = None
        self._last_miss = float("-inf")

    def metadata(self) -> ProviderMetadata:
        now = time.monotonic()
        cached = self._metadata
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        data = fetch_json(self.session, self.url, self.timeout, "discovery document")
        missing = [name for name in REQUIRED if not isinstance(data.get(name), str)]
        if missing:
            raise DiscoveryError("The itsme discovery document lacks " + ", ".join(missing) + ".")
        metadata = ProviderMetadata(**{name: data[name] for name in REQUIRED}, raw=data)
        self._metadata = (now, metadata)
        return metadata

    def keys(self, kid: str | None = None) -> KeySet:
        """The provider's signing keys; fetched again when ``kid`` is not among them."""
        now = time.monotonic()
        cached = self._jwks
        fresh = cached and now - cached[0] < self.ttl
        if fresh and (kid is None or _has_kid(cached[1], kid)):
            return cached[1]
        with self._lock:
            cached = self._jwks
            if cached and _has_kid(cached[1], kid or "") and now - cached[0] < self.ttl:
                return cached[1]  # another thread fetched it meanwhile
            if fresh and now - self._last_miss < self.refresh_floor:
                return cached[1]  # refetched for an unknown kid a moment ago: it stays unknown
            if fresh:
                self._last_miss = now
            data = fetch_json(self.session, self.metadata().jwks_uri, self.timeout, "key set")
            if not data.get("keys"):
                raise DiscoveryError("The itsme key set holds no keys.")
            try:
                keyset = KeySet.import_key_set(data)
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise DiscoveryError("The itsme key set cannot be read.") from exc
            self._jwks = (time.monotonic(), keyset)
            return keyset


def _has_kid(keyset: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keyset.keys)
