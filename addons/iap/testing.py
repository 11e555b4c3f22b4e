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

from addons.iap import Service, clock, services_changed, standard_packs
from host import Manifest, hookimpl


class ServiceAddon:
    """An addon declaring credit services ``keys`` (default: one named like the
    addon), each with the standard packs and ``trial`` free credits."""

    def __init__(self, name: str = "widget", *, keys=(), title: str = "", trial=Decimal(0)):
        self.keys = tuple(keys) or (name,)
        self.title = title or name.title()
        self._trial = trial
        self._built: tuple | None = None
        self.manifest = Manifest(
            name=name, title=self.title, depends=("iap",), summary="A credit service for tests."
        )

    @property
    def trial(self):
        return self._trial

    @trial.setter
    def trial(self, value):
        # The apps keep the services they gathered: they must ask again.
        self._trial = value
        self._built = None
        services_changed()

    @hookimpl
    def iap_services(self):
        if self._built is None:
            self._built = self._services()
        return self._built

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
