"""The default print shop: letters stay on the *Letters outbox* page, with
their final PDF, and walk through the shop's states on a timer, so a demo
works offline."""

from __future__ import annotations

from flask import current_app

from addons.snailmail import tracking
from addons.snailmail.errors import UNKNOWN_ERROR
from addons.snailmail.models import Letter
from addons.snailmail.providers.base import Handed, Outgoing, PrintShop, ShopError
from host import job

# The simulated walk, one step per ``SNAILMAIL_OUTBOX_STEP_DELAY`` seconds.
STEPS = ("accepted", "printing", "sent", "delivered")


class OutboxShop(PrintShop):
    key = "outbox"
    name = "Letters outbox"
    description = "No letter leaves the server: they are kept on the Letters outbox page."
    sequence = 1

    def submit(self, letter: Outgoing) -> Handed:
        return Handed(provider_id=f"outbox-{letter.uid}", state="accepted")

    def cancel(self, provider_id: str) -> None:
        letter = Letter.get_or_none(Letter.provider_id == provider_id)
        if letter is not None and letter.shop_state in STEPS[1:]:
            raise ShopError("The letter is already printed.", code=UNKNOWN_ERROR)

    def after_accepted(self, letter_id: int) -> None:
        schedule_step(letter_id)


@job(name="snailmail.outbox_step")
def outbox_step(letter_id: int) -> str:
    """The outbox's next simulated state for one letter, then the one after."""
    letter = Letter.get_or_none(Letter.id == letter_id)
    if letter is None or letter.provider != "outbox" or letter.state != "sent":
        return ""
    step = next_step(letter.shop_state)
    if step is None or not tracking.advance(letter_id, step):
        return ""
    if next_step(step):
        schedule_step(letter_id)
    return step


def schedule_step(letter_id: int) -> None:
    delay = float(current_app.config.get("SNAILMAIL_OUTBOX_STEP_DELAY", 5))
    # An immediate queue (tests) never runs a scheduled job: steps wait for the sweep.
    if current_app.config.get("HOST_JOBS_IMMEDIATE"):
        return
    if delay <= 0:
        outbox_step.delay(letter_id)
    else:
        outbox_step.schedule(args=(letter_id,), delay=delay)


def next_step(state: str) -> str | None:
    if state not in STEPS:
        return None
    index = STEPS.index(state)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None
