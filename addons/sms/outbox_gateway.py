"""The outbox gateway: no SMS leaves the server, and each is reported
delivered a few seconds later by a job (so a demo works offline).

Apart from :mod:`addons.sms.gateways` because its reports go through the
queue: the jobs send through the gateways, and the gateways' module must not
import them back.
"""

from __future__ import annotations

from flask import current_app

from addons.sms import jobs
from addons.sms.gateways import Accepted, GatewayError, Outgoing, SmsGateway


class OutboxGateway(SmsGateway):
    key = "outbox"
    name = "SMS Outbox"
    description = "No SMS leaves the server: messages are kept on the SMS Outbox page."
    sequence = 1

    def send(self, message: Outgoing) -> Accepted:
        return Accepted(provider_id=f"outbox-{message.id}-{message.to}")

    def send_many(self, messages: list[Outgoing]) -> dict[int, Accepted | GatewayError]:
        """A group of a mass SMS in one call: the answer for each message, by id.
        (A gateway without ``send_many`` gets one ``send`` per message.)"""
        answers: dict[int, Accepted | GatewayError] = {}
        for message in messages:
            try:
                answers[message.id] = self.send(message)
            except GatewayError as exc:
                answers[message.id] = exc
        return answers

    def after_accepted(self, message_id: int) -> None:
        self._report(jobs.outbox_deliver, message_id)

    def after_accepted_many(self, message_ids: list[int]) -> None:
        """A mass SMS chunk's delivery reports in one job, not one job per message."""
        self._report(jobs.outbox_deliver_many, list(message_ids))

    @staticmethod
    def _report(job, argument) -> None:
        delay = current_app.config.get("SMS_OUTBOX_DELIVERY_DELAY", 3)
        # An immediate queue (tests, single-process demos) never runs a scheduled job.
        if delay <= 0 or current_app.config.get("HOST_JOBS_IMMEDIATE"):
            job.delay(argument)
        else:
            job.schedule(args=(argument,), delay=delay)
