"""Gateways: what hands an SMS to a carrier. Addons add theirs with ``sms_gateways``.

Built in: ``outbox`` (in :mod:`addons.sms.outbox_gateway`) keeps messages on
the SMS Outbox page and reports them delivered a few seconds later (so a demo
works offline), ``twilio`` speaks the Twilio Messages API.
"""

from __future__ import annotations

from flask import current_app

from addons.sms import config
from addons.sms.gateway_base import Accepted, Outgoing, SmsGateway
from addons.sms.hookspecs import SmsHooks
from addons.sms.twilio import GatewayError, TwilioClient
from host import hooks

__all__ = ["Accepted", "GatewayError", "Outgoing", "SmsGateway", "active", "available"]

STATUS_PATH = "/sms/webhooks/twilio/status"


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
