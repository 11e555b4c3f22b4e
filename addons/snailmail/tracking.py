"""A letter's life after the hand-over: the print shop's states, the chatter
line that follows them, cancellation and refunds.

The shop's states only move forward (``STATUS_RANK``); a refusal or a
cancellation after the capture gives the credits back, once.
"""

from __future__ import annotations

from addons.iap import refund
from addons.snailmail.errors import FORMAT_ERROR
from addons.snailmail.models import Letter
from addons.snailmail.providers.pingen import FINAL, REFUSED, STATUS_RANK, refusal
from host import db, post_message, set_message_state, utcnow

# How the chatter shows a shop state of a sent letter.
SHOP_LABELS = {
    "validating": "accepted by the print shop",
    "valid": "accepted by the print shop",
    "submitted": "accepted by the print shop",
    "accepted": "accepted by the print shop",
    "printing": "printing",
    "sent": "posted",
    "delivered": "delivered",
    "undeliverable": "returned to sender",
}
CANCELABLE = frozenset({"", "validating", "valid", "action_required", "submitted", "accepted"})


def label(letter: Letter) -> str:
    """The state a person reads: pending, sent, printing, posted, delivered, error…"""
    if letter.state == "sent":
        return SHOP_LABELS.get(letter.shop_state, "sent").replace(
            "accepted by the print shop", "sent"
        )
    if letter.state == "sending":
        return "pending"
    return letter.state


def cancelable(letter: Letter) -> bool:
    """Whether Cancel may stop the letter: not handed over yet, or the shop
    has not started printing it."""
    return letter.state in ("pending", "error") or (
        letter.state == "sent" and letter.shop_state in CANCELABLE
    )


def is_final(letter: Letter) -> bool:
    """Nothing more will happen to the letter on its own: pages stop polling it."""
    return letter.state in ("error", "canceled") or letter.shop_state in FINAL_SHOP_STATES


FINAL_SHOP_STATES = frozenset({"delivered", "undeliverable", "invalid", "cancelled"})


def _chatter(letter: Letter) -> tuple[str, str]:
    if letter.state == "pending":
        return "in_queue", ""
    if letter.state == "sending":
        return "processing", "handing over to the print shop"
    if letter.state == "canceled":
        return "canceled", "credits returned" if letter.hold_id and not letter.charged else ""
    if letter.state == "error":
        return "failed", f"{letter.error_code}: {letter.error_message}"
    if letter.shop_state == "delivered":
        return "delivered", ""
    if letter.shop_state == "undeliverable":
        return "failed", "returned to sender"
    return "sent", SHOP_LABELS.get(letter.shop_state, "")


def follow(letter: Letter) -> None:
    """Bring the letter's chatter line in step with it (the line is created on first call)."""
    state, detail = _chatter(letter)
    if letter.chatter_message_id:
        set_message_state(letter.chatter_message_id, state, detail)
        return
    if letter.res_id is None:
        return
    what = letter.subject or letter.filename
    message = post_message(
        model=letter.model,
        res_id=letter.res_id,
        kind="letter",
        body=f"Letter by post: {what}",
        author=letter.author,
        state=state,
        state_detail=detail,
        meta={"snailmail_letter": letter.id},
    )
    Letter.update(chatter_message_id=message.id).where(Letter.id == letter.id).execute()
    letter.chatter_message_id = message.id


def advance(letter_id: int, status: str) -> bool:
    """The shop reports ``status``: applied if it is further along, never backwards."""
    if status not in STATUS_RANK:
        raise ValueError(f"unknown print shop status {status!r}")
    letter = Letter.get_by_id(letter_id)
    if letter.state != "sent" or letter.shop_state in FINAL:
        return False
    if STATUS_RANK[status] <= STATUS_RANK.get(letter.shop_state, -1):
        return False
    if status in REFUSED or status == "cancelled":
        return _undo(letter, status)
    now = utcnow()
    with db.atomic():
        changed = (
            Letter.update(shop_state=status, shop_updated_at=now, updated_at=now)
            .where(
                (Letter.id == letter.id)
                & (Letter.shop_state == letter.shop_state)
                & (Letter.state == "sent")
            )
            .execute()
        )
        if changed:
            letter.shop_state = status
            follow(letter)
    return bool(changed)


def _undo(letter: Letter, status: str) -> bool:
    """The shop refused or canceled a letter it had accepted: credits back, once."""
    now = utcnow()
    if status == "cancelled":
        fields = {Letter.state: "canceled"}
    else:
        fields = {
            Letter.state: "error",
            Letter.error_code: FORMAT_ERROR,
            Letter.error_message: refusal(status),
        }
    fields.update({Letter.shop_state: status, Letter.shop_updated_at: now, Letter.updated_at: now})
    with db.atomic():
        changed = (
            Letter.update(fields)
            .where(
                (Letter.id == letter.id)
                & (Letter.state == "sent")
                & (Letter.shop_state == letter.shop_state)
            )
            .execute()
        )
    if not changed:
        return False
    give_back(letter.id)
    follow(Letter.get_by_id(letter.id))
    return True


def give_back(letter_id: int) -> None:
    """Refund what the letter was charged (idempotent: one refund per letter)."""
    letter = Letter.get_by_id(letter_id)
    if not letter.hold_id or not letter.charged:
        return
    refund(
        "snailmail",
        letter.hold_id,
        reason=f"Letter {letter.id} not posted: credits returned",
        idempotency_key=f"snailmail.letter:{letter.id}:refund:{letter.hold_id}",
    )
    Letter.update(charged=0).where(Letter.id == letter.id).execute()


class CannotCancel(Exception):
    pass


def cancel(letter_id: int) -> Letter:
    """Cancel a letter the shop has not started printing; its credits come back."""
    from addons.snailmail import shops
    from addons.snailmail.providers.base import ShopError

    letter = Letter.get_by_id(letter_id)
    if letter.state in ("pending", "error"):
        changed = (
            Letter.update(state="canceled", updated_at=utcnow())
            .where((Letter.id == letter.id) & Letter.state.in_(("pending", "error")))
            .execute()
        )
        if not changed:
            raise CannotCancel(
                "The letter is being handed to the print shop: try again in a moment."
            )
        letter = Letter.get_by_id(letter.id)
        follow(letter)
        return letter
    if letter.state != "sent" or letter.shop_state not in CANCELABLE:
        raise CannotCancel(f"The letter is {label(letter)}: it can no longer be canceled.")
    try:
        shops.get(letter.provider).cancel(letter.provider_id)
    except ShopError as exc:
        raise CannotCancel(f"The print shop could not cancel it: {exc.message}") from None
    _undo(letter, "cancelled")
    return Letter.get_by_id(letter.id)
