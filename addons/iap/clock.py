"""The ledger's time: naive UTC, which tests move forward instead of sleeping.

Every rule that compares with "now" (holds past their TTL, lots past their
date) reads :func:`now`; the ``iap_clock`` fixture of ``addons.iap.testing``
advances it.
"""

from __future__ import annotations

import datetime as dt

from host import utcnow

_offset = dt.timedelta(0)


def now() -> dt.datetime:
    return utcnow() + _offset


def advance(seconds: float) -> None:
    """Move this process's ledger time forward (tests only)."""
    global _offset
    _offset += dt.timedelta(seconds=seconds)


def reset() -> None:
    global _offset
    _offset = dt.timedelta(0)
