"""Pytest fixtures for the fake Stripe server (a plugin module, not a conftest).

Use it from the directory's conftest with
``from tests.addons.iap.conftest_stripe import fake_stripe, stripe_gateway  # noqa: F401``,
from the root conftest or a test module with
``pytest_plugins = ["tests.addons.iap.conftest_stripe"]``.

Fixtures:

``fake_stripe``
    A started :class:`fake_stripe.FakeStripe` on ``127.0.0.1:<random port>``; exposes
    ``.api_base``, ``.api_key``, ``.webhook_secret``, ``.sessions``, ``.requests``,
    ``.complete()``, ``.signed_event()``, ``.fail_next()``, ``.configure_webhook()``...
    Stopped after the test. Also keeps loopback out of any ``HTTP(S)_PROXY`` and shortens the
    ``stripe`` library's retry back-off so retry tests run fast.

``stripe_gateway``
    An ``addons.iap.stripe_gateway.StripeGateway`` wired to ``fake_stripe``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import stripe

from tests.addons.iap.fake_stripe import FakeStripe

__all__ = ["fake_stripe", "stripe_gateway"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _keep_loopback_off_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        current = [h for h in os.environ.get(name, "").split(",") if h.strip()]
        missing = [h for h in _LOOPBACK if h not in current]
        if missing:
            monkeypatch.setenv(name, ",".join(current + missing))


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """A running fake Stripe API + hosted checkout page on loopback."""
    _keep_loopback_off_proxies(monkeypatch)
    # The library sleeps >= 0.5 s between retries; keep retry tests quick.
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.05)
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def stripe_gateway(fake_stripe: FakeStripe):
    """A real StripeGateway pointed at ``fake_stripe``."""
    from addons.iap.stripe_gateway import StripeGateway

    return StripeGateway(
        fake_stripe.api_key,
        fake_stripe.webhook_secret,
        api_base=fake_stripe.api_base,
        max_network_retries=2,
        timeout=10,
    )
