"""What a payment provider is: the base class the ``iap_payment_providers``
hook returns (a leaf module, so the hook's spec can name it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from addons.iap.models import Order


class PaymentError(Exception):
    """A payment that cannot go on; the message is meant for the buyer."""


class PaymentProvider:
    """Base class of payment providers (the ``iap_payment_providers`` hook).

    ``id``/``sequence`` let the host sort providers like other contributions.
    """

    key = "base"
    name = "Provider"
    sequence = 10
    # Offers "Save the card for automatic top-ups" on the buy page (the demo
    # provider asks on its own card form instead).
    saves_at_checkout = False

    @property
    def id(self) -> str:
        return self.key

    def start(self, order: Order) -> str:
        """Begin paying ``order``; return the URL to send the buyer to."""
        raise NotImplementedError

    def check_return(self, order: Order, args) -> None:
        """The buyer came back (``args`` are the query string); confirm if paid."""

    def charge_saved(self, order: Order, method: str) -> str:
        """Charge a saved payment method (auto top-up); return the provider's reference."""
        raise PaymentError(f"{self.name} cannot charge a saved payment method")
