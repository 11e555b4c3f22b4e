"""What a gateway is: the base class the ``sms_gateways`` hook returns, and
the message and answer it hands over (a leaf module, so the hook's spec can
name them)."""

from __future__ import annotations

from typing import NamedTuple


class Outgoing(NamedTuple):
    """One message to send: ``to`` is E.164, ``body`` the exact text (a named
    tuple: a mass SMS makes 10,000 of them)."""

    id: int
    to: str
    body: str


class Accepted(NamedTuple):
    """The gateway took the message; ``provider_id`` identifies it in its reports."""

    provider_id: str


class SmsGateway:
    """Base class of gateways. ``send`` raises :class:`GatewayError` when refused."""

    key = ""
    name = ""
    description = ""
    sequence = 10

    @property
    def id(self) -> str:  # UI objects are sorted and de-duplicated by id
        return self.key

    def send(self, message: Outgoing) -> Accepted:
        raise NotImplementedError

    def after_accepted(self, message_id: int) -> None:
        """Called once the acceptance is recorded (the outbox simulates delivery here)."""

    def close(self) -> None:
        """Called after the last message of a send or a batch."""
