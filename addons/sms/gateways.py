"""Gateways: what hands an SMS to a carrier. Addons add theirs with ``sms_gateways``.

Built in: ``outbox`` (in :mod:`addons.sms.outbox_gateway`) keeps messages on
the SMS Outbox page and reports them delivered a few seconds later (so a demo
works offline), ``twilio`` speaks the Twilio Messages API.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app

from addons.sms import config
from addons.sms.hookspecs import SmsHooks
from addons.sms.twilio import GatewayError, TwilioClient
from host import hooks

__all__ = ["Accepted", "GatewayError", "Outgoing", "SmsGateway", "active", "available"]

STATUS_PATH = "/sms/webhooks/twilio/status"


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


class TwilioGateway(SmsGateway):
    key = "twilio"
    name = "Twilio"
    description = "Send through a Twilio account (or any API speaking its wire format)."
    sequence = 2

    def __init__(self):
        self._client: TwilioClient | None = None

    def _connect(self) -> TwilioClient:
        if self._client is None:
            try:
                self._client = TwilioClient(
                    config.get("twilio_base_url"),
                    config.get("twilio_account_sid"),
                    config.get(config.SECRET),
                    timeout=float(current_app.config.get("SMS_TWILIO_TIMEOUT", 10)),
                )
            except ValueError as exc:
                raise GatewayError(f"Twilio is not configured: {exc}") from None
        return self._client

    def send(self, message: Outgoing) -> Accepted:
        client = self._connect()
        sender = config.get("twilio_from").strip()
        if not sender:
            raise GatewayError("Twilio is not configured: set the sender number in Settings.")
        kind = "messaging_service_sid" if sender.startswith("MG") else "from_"
        result = client.send(
            message.to,
            message.body,
            status_callback=config.public_url(f"{STATUS_PATH}?message={message.id}"),
            **{kind: sender},
        )
        return Accepted(provider_id=result.sid)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def available() -> dict[str, SmsGateway]:
    """Gateways of the enabled addons, by key."""
    return {gateway.key: gateway for gateway in hooks(SmsHooks).sms_gateways()}


def active() -> SmsGateway:
    """The gateway chosen in Settings; raises :class:`GatewayError` if it is gone."""
    key = config.get("gateway")
    gateway = available().get(key)
    if gateway is None:
        raise GatewayError(f"The SMS gateway {key!r} is not available: choose one in Settings.")
    return gateway
