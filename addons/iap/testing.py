"""Pytest fixtures for service addons (a ``pytest11`` plugin, next to ``host.testing``).

::

    def test_send(admin_client, enable, credits):
        enable("sms")
        credits("sms", 10)
"""

from __future__ import annotations

import pytest


@pytest.fixture
def credits(app):
    """``credits(service, amount)`` grants credits to an enabled service and
    returns its balance after."""
    from addons.iap import balance, grant

    def give(service: str, amount, reason: str = "test credits"):
        grant(service, amount, reason=reason)
        return balance(service)

    return give
