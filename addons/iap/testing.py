"""Test helpers for service addons (a ``pytest11`` plugin, next to ``host.testing``).

::

    def test_send(admin_client, enable, credits):
        enable("sms")
        credits("sms", 10)

``ServiceAddon`` is a minimal credit service to test or benchmark against
without a real service addon; ``iap_clock`` moves the ledger's time forward
instead of sleeping past a hold's TTL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from addons.iap import clock
from addons.iap.services import Service, standard_packs
from host import Manifest, hookimpl


class ServiceAddon:
    """An addon declaring credit services ``keys`` (default: one named like the
    addon), each with the standard packs and ``trial`` free credits."""

    def __init__(self, name: str = "widget", *, keys=(), title: str = "", trial=Decimal(0)):
        self.keys = tuple(keys) or (name,)
        self.title = title or name.title()
        self.trial = trial
        self._built: tuple | None = None
        self.manifest = Manifest(
            name=name, title=self.title, depends=("iap",), summary="A credit service for tests."
        )

    @hookimpl
    def iap_services(self):
        # Built once (a test may change ``trial``): benchmarks call this hook
        # for every charge, as a job does.
        if self._built is None or self._built[0] != self.trial:
            self._built = (self.trial, self._services())
        return self._built[1]

    def _services(self):
        return [
            Service(
                key=key,
                name=self.title if len(self.keys) == 1 else key.title(),
                description="One unit per credit",
                packs=standard_packs(),
                trial_credits=self.trial,
                trial_days=30,
            )
            for key in self.keys
        ]


@pytest.fixture
def credits(app):
    """``credits(service, amount)`` grants credits to an enabled service and
    returns its balance after."""
    from addons.iap import balance, grant

    def give(service: str, amount, reason: str = "test credits"):
        grant(service, amount, reason=reason)
        return balance(service)

    return give


@pytest.fixture
def iap_clock():
    """The ledger's clock in this process: ``iap_clock.advance(seconds)``."""
    yield clock
    clock.reset()
