"""Opt-out: numbers that never receive an SMS. The number (E.164) is the key."""

from __future__ import annotations

from addons.sms.models import SmsBlacklist
from host import utcnow

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})


def is_blacklisted(number: str) -> bool:
    return SmsBlacklist.select().where(SmsBlacklist.number == number).exists()


def entry(number: str) -> SmsBlacklist | None:
    return SmsBlacklist.get_or_none(SmsBlacklist.number == number)


def why(listed: SmsBlacklist) -> str:
    """Why a number is blacklisted, from where its entry came."""
    if listed.source == "reply":
        word = listed.reason.removeprefix("Replied ").strip() or "STOP"
        return f"its owner replied {word}"
    if listed.source == "gateway":
        return "the gateway reported that its owner opted out"
    return "it was added by hand" + (f" ({listed.reason})" if listed.reason else "")


def add(number: str, *, reason: str = "", source: str = "manual") -> bool:
    """Blacklist ``number``. Returns False when it was already listed."""
    if is_blacklisted(number):
        return False
    SmsBlacklist.insert(
        number=number, reason=reason[:255], source=source, created_at=utcnow()
    ).on_conflict_ignore().execute()
    return True


def remove(number: str) -> bool:
    return SmsBlacklist.delete().where(SmsBlacklist.number == number).execute() > 0


def keyword(body: str | None) -> str | None:
    """``"stop"``, ``"start"`` or None for an inbound reply that is just a keyword."""
    word = (body or "").strip().upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
