"""Hooks the iap addon publishes for service addons (those that depend on ``iap``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from host import Hooks, hookspec

if TYPE_CHECKING:  # pragma: no cover
    from addons.iap.payments import PaymentProvider
    from addons.iap.services import Service


@hookspec
def iap_services() -> list[Service]:
    """The credit services an addon sells (``sms``, ``digitization``…).

    Called whenever the iap addon needs the list of services: the accounts
    page, the buy page, ``charge()``. Each service gets an account, packs and
    pages without changes to the host. Keys are unique across addons.

    :return: :class:`addons.iap.Service` objects.
    """


@hookspec
def iap_payment_providers() -> list[PaymentProvider]:
    """Ways to pay for credit packs.

    Called when a pack is bought and when a provider's webhook arrives. The
    provider named by ``IAP_PAYMENT_PROVIDER`` (default ``demo``) is offered
    on the buy page.

    :return: :class:`addons.iap.payments.PaymentProvider` objects.
    """


class IapHooks(Hooks):
    """Typed calls of the hooks above: ``hooks(IapHooks).iap_services()``."""

    def iap_services(self) -> list[Service]:
        from addons.iap.services import Service

        return self._collect(self._hook.iap_services, Service)

    def iap_payment_providers(self) -> list[PaymentProvider]:
        from addons.iap.payments import PaymentProvider

        return self._collect(self._hook.iap_payment_providers, PaymentProvider)
