"""Visitor IP to country, offline (geoip2fast's bundled database, no network)."""

from __future__ import annotations

import functools


@functools.cache
def _database():
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast()  # about 0.5 s, once per process


def country_of(ip: str) -> str:
    """The ISO country of ``ip``; empty for private, reserved or unknown addresses."""
    try:
        answer = _database().lookup(ip)
    except Exception:  # a malformed address
        return ""
    code = getattr(answer, "country_code", "") or ""
    return code if len(code) == 2 and code.isalpha() else ""
