"""Sending one message: the state machine, the charge and the gateway call.

Who may receive it and at what price is ``recipients``.

States only move forward: in_queue < processing < sent < delivered, and
failed or canceled end a message. Every change goes through :func:`advance`,
a conditional update, so a late or repeated report never moves a message
back, and the chatter entry follows the same state.

Credits are held before the gateway call, captured when the gateway accepts
the message and released when it refuses it or fails: a bad number, a
blacklisted one or a server error costs nothing.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from peewee import Case, fn

from addons.iap import InsufficientCreditError, charge
from addons.sms import blacklist, gateways
from addons.sms.models import SmsBlacklist, SmsMessage
from addons.sms.recipients import blacklisted_refusal
from host import (
    ByIds,
    P,
    Prepared,
    db,
    set_message_state,
    set_messages_state,
    sql_datetime,
    utcnow,
    write_transaction,
)

log = logging.getLogger(__name__)

# Forward moves only; failed and canceled end a message from any state before delivered.
RANK = {"in_queue": 0, "processing": 1, "sent": 2, "delivered": 3}

FAILURE_LABELS = {
    "number_missing": "Missing number",
    "wrong_format": "Wrong number format",
    "country_not_supported": "Country not supported",
    "insufficient_credit": "Insufficient credit",
    "server_error": "Server error",
    "blacklisted": "Blacklisted",
    "duplicate": "Duplicate",
    "not_delivered": "Not delivered",
}
# Failures a new attempt can fix without changing the message or the contact.
RESENDABLE = frozenset({"insufficient_credit", "server_error"})


# -- the state machine -----------------------------------------------------------


def detail(failure_type: str, reason: str) -> str:
    label = FAILURE_LABELS.get(failure_type, failure_type)
    return f"{label}: {reason}" if reason else label


# A message's chatter entry is set when it is created and never changes, so a
# caller holding the row passes ``chatter_id`` and spares a read.
_UNKNOWN = object()


def _before(state: str) -> list[str]:
    """The states a message may move to ``state`` from."""
    if state in ("failed", "canceled"):
        return list(RANK)[:-1]
    return [s for s, rank in RANK.items() if rank < RANK[state]]


# The conditional update of one message, compiled once per target state; it
# returns the message's chatter entry, so following it there needs no read.
_ADVANCE: dict[str, Prepared] = {}


def _advance_fields(state: str) -> dict:
    """What a move to ``state`` writes (``P.failure_type`` and ``P.reason`` for a failure)."""
    fields = {SmsMessage.state: state, SmsMessage.updated_at: P.now}
    if state == "failed":
        fields.update(
            {SmsMessage.failure_type: P.failure_type, SmsMessage.failure_reason: P.reason}
        )
    return fields


def _advance_statement(state: str) -> Prepared:
    prepared = _ADVANCE.get(state)
    if prepared is None:
        fields = _advance_fields(state)
        prepared = _ADVANCE[state] = Prepared(
            lambda: (
                SmsMessage.update(fields)
                .where((SmsMessage.id == P.id) & SmsMessage.state.in_(_before(state)))
                .returning(SmsMessage.chatter_message_id)
            )
        )
    return prepared


def advance(
    message_id: int,
    state: str,
    *,
    failure_type: str = "",
    reason: str = "",
    chatter_id=_UNKNOWN,
) -> bool:
    """Move a message forward to ``state``; a move backwards or out of a final
    state does nothing. Returns whether the message changed."""
    params = {"id": message_id, "now": utcnow()}
    if state == "failed":
        params.update(failure_type=failure_type, reason=reason[:255])
    with write_transaction():  # the state and its chatter entry, one commit
        row = _advance_statement(state).run(**params).fetchone()
        if row is not None:
            text = detail(failure_type, reason) if failure_type else ""
            _follow_in_chatter(message_id, state, text, row[0])
    return row is not None


def advance_many(
    message_ids: list[int], state: str, *, failure_type: str = "", reason: str = ""
) -> list[int]:
    """:func:`advance` for many messages, one statement per 500 (and one for
    their chatter entries); returns the ids that changed (the others were past
    ``state`` or final already)."""
    changed: list[int] = []
    text = detail(failure_type, reason) if failure_type else ""
    params = {"now": utcnow()}
    if state == "failed":
        params.update(failure_type=failure_type, reason=reason[:255])
    statement = _advance_many_statement(state)
    for start in range(0, len(message_ids), 500):
        with write_transaction():  # the states and their chatter entries, one commit
            rows = statement.run(message_ids[start : start + 500], **params).fetchall()
            changed.extend(message_id for message_id, _ in rows)
            _follow_many([chatter_id for _, chatter_id in rows], state, text)
    return changed


_ADVANCE_MANY: dict[str, ByIds] = {}


def _advance_many_statement(state: str) -> ByIds:
    statement = _ADVANCE_MANY.get(state)
    if statement is None:
        fields = _advance_fields(state)
        statement = _ADVANCE_MANY[state] = ByIds(
            lambda ids: (
                SmsMessage.update(fields)
                .where(SmsMessage.id.in_(ids) & SmsMessage.state.in_(_before(state)))
                .returning(SmsMessage.id, SmsMessage.chatter_message_id)
            )
        )
    return statement


def _follow_many(chatter_ids, state: str, text: str = "") -> None:
    """The chatter entries of messages that moved to ``state`` together."""
    set_messages_state(chatter_ids, state, text)


def fail(message: SmsMessage, failure_type: str, reason: str) -> bool:
    """Fail a message on the gateway's word; a recipient who unsubscribed there
    is blacklisted here too, so nobody tries again."""
    if failure_type == "blacklisted":
        blacklist.add(
            message.number, reason="The gateway says they unsubscribed.", source="gateway"
        )
    return advance(message.id, "failed", failure_type=failure_type, reason=reason)


def _follow_in_chatter(message_id: int, state: str, text: str = "", chatter_id=_UNKNOWN) -> None:
    if chatter_id is _UNKNOWN:
        chatter_id = (
            SmsMessage.select(SmsMessage.chatter_message_id)
            .where(SmsMessage.id == message_id)
            .get()
            .chatter_message_id
        )
    if chatter_id:
        set_message_state(chatter_id, state, text)


def claim(message_id: int) -> bool:
    """Take a queued message for sending; False if another worker has it or it is done."""
    return bool(claim_many([message_id]))


def claim_many(message_ids: list[int]) -> set[int]:
    """Take the queued ones of ``message_ids`` for sending, in one statement;
    returns their ids (the others are another worker's, or done)."""
    claimed = set()
    with write_transaction():  # the claims and their chatter entries, one commit
        rows = (
            SmsMessage.update(
                state="processing", attempts=SmsMessage.attempts + 1, updated_at=utcnow()
            )
            .where(SmsMessage.id.in_(message_ids) & (SmsMessage.state == "in_queue"))
            .returning(SmsMessage.id, SmsMessage.chatter_message_id)
            .tuples()
            .execute()
        )
        claimed.update(message_id for message_id, _ in rows)
        _follow_many([chatter_id for _, chatter_id in rows], "processing")
    return claimed


# The claim of a group of a mass SMS and its blacklist check in one statement:
# every queued message of the group moves to ``processing``, and the answer says
# which numbers are blacklisted *now* (those are failed, never sent).
CLAIM_CHECKED = ByIds(
    lambda ids: (
        SmsMessage.update(
            {
                SmsMessage.state: "processing",
                SmsMessage.attempts: SmsMessage.attempts + 1,
                SmsMessage.updated_at: P.now,
            }
        )
        .where(SmsMessage.id.in_(ids) & (SmsMessage.state == "in_queue"))
        .returning(
            SmsMessage.id,
            SmsMessage.chatter_message_id,
            fn.EXISTS(
                SmsBlacklist.select(SmsBlacklist.id).where(SmsBlacklist.number == SmsMessage.number)
            ),
        )
    )
)


def claim_checked(message_ids: list[int]) -> dict[int, bool]:
    """:func:`claim_many` and the blacklist check of the claimed messages, in one
    statement: ``{claimed id: blacklisted now}``."""
    with write_transaction():  # the claims and their chatter entries, one commit
        rows = CLAIM_CHECKED.run(message_ids, now=utcnow()).fetchall()
        _follow_many([chatter_id for _, chatter_id, _ in rows], "processing")
    return {message_id: bool(blocked) for message_id, _, blocked in rows}


def requeue(message: SmsMessage, credits: Decimal) -> bool:
    """Queue a failed message again (the Resend action), at today's price."""
    changed = (
        SmsMessage.update(
            state="in_queue",
            failure_type="",
            failure_reason="",
            credits=credits,
            updated_at=utcnow(),
        )
        .where(
            (SmsMessage.id == message.id)
            & (SmsMessage.state == "failed")
            & SmsMessage.failure_type.in_(list(RESENDABLE))
        )
        .execute()
    )
    if changed:
        _follow_in_chatter(message.id, "in_queue")
    return bool(changed)


# -- sending -------------------------------------------------------------------


class NothingAccepted(Exception):
    """Raised inside ``charge()`` when the gateway took nothing, so the hold is released."""


def hand_over(
    message, gateway: gateways.SmsGateway, *, blacklisted: bool | None = None
) -> gateways.Accepted | None:
    """Hand a claimed message to the gateway; returns its answer if it accepted
    the message, which the caller records with :func:`record_sent` in its
    capture (``tx.on_capture``). A refusal or failure is recorded here.

    The blacklist is checked again here (a STOP may arrive while a batch runs),
    unless the caller just did it for a group of messages (``blacklisted``)."""
    chatter_id = message.chatter_message_id
    if blacklisted is None:
        blacklisted = blacklist.is_blacklisted(message.number)
    if blacklisted:
        refusal = blacklisted_refusal(message.number, blacklist.entry(message.number))
        advance(
            message.id,
            "failed",
            failure_type=refusal.failure_type,
            reason=str(refusal),
            chatter_id=chatter_id,
        )
        return None
    try:
        return gateway.send(gateways.Outgoing(message.id, message.number, message.body))
    except gateways.GatewayError as exc:
        fail(message, exc.failure_type, str(exc))
    except Exception:  # a bug in a gateway must not lose the hold's bookkeeping
        log.exception("SMS gateway %s failed on message %s", gateway.key, message.id)
        advance(
            message.id,
            "failed",
            failure_type="server_error",
            reason="The SMS gateway failed unexpectedly; see the server log.",
            chatter_id=chatter_id,
        )
    return None


def _mark_sent(*, charged: bool, state: bool = True):
    """One message accepted by the gateway: its id there always, ``charged``
    (its credits) when asked, and ``sent`` (with ``state``) unless a report
    already moved it on: a state never moves back, ``charged`` is set anyway."""
    moves = SmsMessage.state.in_(_before("sent"))
    fields = {
        SmsMessage.provider_id: P.provider_id,
        SmsMessage.gateway: P.gateway,
        SmsMessage.sent_at: P.now,
    }
    if charged:
        fields[SmsMessage.charged] = SmsMessage.credits
    if state:
        fields[SmsMessage.state] = Case(None, [(moves, "sent")], SmsMessage.state)
        fields[SmsMessage.updated_at] = Case(None, [(moves, P.now)], SmsMessage.updated_at)
    return SmsMessage.update(fields).where(SmsMessage.id == P.id)


# Run with ``executemany``, one row per accepted message: one statement writes
# the gateway's ids, the charge and the move to ``sent``.
MARK_SENT = {c: Prepared(lambda c=c: _mark_sent(charged=c)) for c in (True, False)}
# The same without the move, when chatter entries must follow the messages that
# move (MOVE_SENT then moves them and says which).
SET_PROVIDER = {c: Prepared(lambda c=c: _mark_sent(charged=c, state=False)) for c in (True, False)}
MOVE_SENT = ByIds(
    lambda ids: (
        SmsMessage.update({SmsMessage.state: "sent", SmsMessage.updated_at: P.now})
        .where(SmsMessage.id.in_(ids) & SmsMessage.state.in_(_before("sent")))
        .returning(SmsMessage.chatter_message_id)
    )
)


def record_sent(accepted, gateway_key: str, *, charged: bool = True) -> None:
    """Record ``(message, Accepted)`` pairs: sent, with the gateway's ids, and
    charged their credits when ``charged``. Meant for ``tx.on_capture``, so the
    charge and the sent mark commit with the capture or not at all (call it
    inside a transaction otherwise)."""
    if not accepted:
        return
    now = sql_datetime(utcnow())
    rows = [
        {"id": m.id, "provider_id": a.provider_id, "gateway": gateway_key, "now": now}
        for m, a in accepted
    ]
    if not any(m.chatter_message_id for m, _ in accepted):
        db.cursor().executemany(MARK_SENT[charged].sql(), rows)
        return
    db.cursor().executemany(SET_PROVIDER[charged].sql(), rows)
    moved = []
    ids = [m.id for m, _ in accepted]
    for start in range(0, len(ids), 500):
        moved += MOVE_SENT.run(ids[start : start + 500], now=now).fetchall()
    _follow_many([chatter_id for (chatter_id,) in moved], "sent")


def record_uncharged(accepted, gateway_key: str) -> None:
    """After a failed capture: the messages the gateway took did go out (a
    Resend would send them twice), so they are recorded sent, charged nothing."""
    if accepted:
        with write_transaction():
            record_sent(accepted, gateway_key, charged=False)


def deliver_group(messages: list, gateway: gateways.SmsGateway, blocked: set[str]) -> list:
    """:func:`hand_over` for claimed messages whose blacklist check the caller
    just did (``blocked``). A gateway with a ``send_many`` (the outbox) takes them
    in one call; the others get them one by one. Returns the ``(message,
    Accepted)`` pairs the gateway accepted, for :func:`record_sent`."""
    many = getattr(gateway, "send_many", None)
    if many is None or len(messages) < 2:
        pairs = ((m, hand_over(m, gateway, blacklisted=m.number in blocked)) for m in messages)
        return [(m, a) for m, a in pairs if a is not None]
    outgoing = []
    for message in messages:
        if message.number in blocked:
            hand_over(message, gateway, blacklisted=True)
        else:
            outgoing.append(message)
    if not outgoing:
        return []
    try:
        answers = many([gateways.Outgoing(m.id, m.number, m.body) for m in outgoing])
    except Exception:  # a bug in a gateway must not lose the hold's bookkeeping
        log.exception("SMS gateway %s failed on %s messages", gateway.key, len(outgoing))
        answers = {}
    accepted: list = []
    for message in outgoing:
        answer = answers.get(message.id)
        if isinstance(answer, gateways.Accepted):
            accepted.append((message, answer))
        elif isinstance(answer, gateways.GatewayError):
            fail(message, answer.failure_type, str(answer))
        else:
            advance(
                message.id,
                "failed",
                failure_type="server_error",
                reason="The SMS gateway failed unexpectedly; see the server log.",
                chatter_id=message.chatter_message_id,
            )
    return accepted


def send_now(message_id: int) -> SmsMessage:
    """Send one queued message with its own charge.

    Returns the message as it ended up. Raises ``InsufficientCreditError``
    (the message is then failed with ``insufficient_credit``, nothing sent).
    The sent mark and the charge commit with the capture; if the capture
    fails, the message is recorded sent and charged nothing, and the error
    propagates.
    """
    if not claim(message_id):
        return SmsMessage.get_by_id(message_id)
    message = SmsMessage.get_by_id(message_id)
    try:
        gateway = gateways.active()
    except gateways.GatewayError as exc:
        advance(message.id, "failed", failure_type="server_error", reason=str(exc))
        return SmsMessage.get_by_id(message_id)
    accepted: list = []
    try:
        with charge(
            "sms",
            message.credits,
            description=f"SMS to {message.number}",
            reference=f"sms.message:{message.id}",
        ) as tx:
            answer = hand_over(message, gateway)
            if answer is None:
                raise NothingAccepted
            accepted.append((message, answer))
            tx.on_capture(lambda: record_sent(accepted, gateway.key))
    except NothingAccepted:
        pass
    except InsufficientCreditError as exc:
        advance(
            message.id,
            "failed",
            failure_type="insufficient_credit",
            reason=f"{exc.required.normalize():f} credits needed, "
            f"{exc.available.normalize():f} available.",
        )
        raise
    except Exception:
        record_uncharged(accepted, gateway.key)  # never touches ``charged``
        raise
    else:
        after_accepted(gateway, [message.id])
    finally:
        gateway.close()
    return SmsMessage.get_by_id(message_id)


def after_accepted(gateway: gateways.SmsGateway, message_ids: list[int]) -> None:
    """Let the gateway follow up on messages sent and paid for; its failure
    there must not turn a sent message into an error page. A gateway with an
    ``after_accepted_many`` (the outbox) gets a batch's messages in one call."""
    many = getattr(gateway, "after_accepted_many", None)
    if many is not None and len(message_ids) > 1:
        try:
            many(message_ids)
        except Exception:
            log.exception("SMS gateway %s: after_accepted_many failed", gateway.key)
        return
    for message_id in message_ids:
        try:
            gateway.after_accepted(message_id)
        except Exception:
            log.exception("SMS gateway %s: after_accepted(%s) failed", gateway.key, message_id)
