"""Hooks the iap addon publishes for service addons (those that depend on ``iap``)."""

from __future__ import annotations

from addons.iap.catalog import Service
from addons.iap.payment_base import PaymentProvider
from host import Hooks, hookspec


@hookspec
def iap_services() -> list[Service]:
    """The credit services an addon sells (``sms``, ``digitization``…).

    Called whenever the iap addon needs the list of services: the accounts
    page, the buy page, ``charge()``. Each service gets an account, packs and
    pages without changes to the host. Keys are unique across addons.

    Each app keeps the list per set of enabled addons: return the same
    services every time (build them from the code and the app's config, not
    from the database). An addon whose services do change at run time calls
    ``addons.iap.services_changed()``. An answer in which a hook raised is
    not kept.

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
        return self._collect(self._hook.iap_services, Service)

    def iap_payment_providers(self) -> list[PaymentProvider]:
        return self._collect(self._hook.iap_payment_providers, PaymentProvider)
