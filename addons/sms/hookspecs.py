"""Hooks the sms addon publishes for addons that depend on ``sms``."""

from __future__ import annotations

from addons.sms.gateway_base import SmsGateway
from host import Hooks, hookspec


@hookspec
def sms_gateways() -> list[SmsGateway]:
    """Ways to hand an SMS to a carrier (``outbox``, ``twilio``…).

    Called whenever an SMS is sent and when the Settings page lists the
    gateways to choose from; the one whose ``key`` the admin chose (default
    ``SMS_GATEWAY``, ``outbox``) sends every message. Keys are unique across
    addons. A gateway's ``send`` runs outside any database transaction, with
    the message's credits held: raising :class:`addons.sms.gateways.GatewayError`
    releases them, returning :class:`addons.sms.gateways.Accepted` captures them.
    A gateway that can take a mass SMS's messages a group at a time may define
    ``send_many(messages)`` returning, by message id, an ``Accepted`` or a
    ``GatewayError`` for each (see the outbox); the others get one ``send`` each.

    :return: :class:`addons.sms.gateways.SmsGateway` objects, new ones per call
        (a gateway may keep a connection for the messages of one batch).
    """


class SmsHooks(Hooks):
    """Typed calls of the hooks above: ``hooks(SmsHooks).sms_gateways()``."""

    def sms_gateways(self) -> list[SmsGateway]:
        return self._collect(self._hook.sms_gateways, SmsGateway)
