"""The ledger: every rule about credits, in one module.

Each mutation runs in one write transaction that first locks the account row
(``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on PostgreSQL), then
changes the account with a conditional update, and appends a journal entry
carrying the balance after it. The database's CHECK constraints refuse a
negative balance even if this code were wrong.

Credits live in lots. A hold reserves credits from lots at once (soonest
expiry first, free before paid, then oldest); a capture keeps what it uses
and gives the rest back; a release gives everything back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from decimal import Decimal

import peewee

from addons.iap.amounts import to_credit
from addons.iap.clock import now as _now
from addons.iap.models import Account, Entry, Hold, HoldLot, IdempotencyKey, Lot
from addons.iap.statements import (
    ALL_SPENDABLE_LOTS,
    CLOSE_HOLD,
    FIRST_LOTS,
    HOLD_FOR_CAPTURE,
    INSERT_ENTRY,
    INSERT_HOLD,
    INSERT_HOLD_LOT,
    LOCK_ACCOUNT,
    LOCK_ACCOUNT_OF_HOLD,
    RESERVE,
    SCALE,
    SETTLE,
    SPENDABLE_LOTS,
    STALE,
    TAKE_FROM_LOT,
)
from host import db, locked, write_transaction

ZERO = Decimal(0)
DEFAULT_HOLD_TTL = dt.timedelta(minutes=15)


class LedgerError(Exception):
    pass


class HoldClosedError(LedgerError):
    """The hold was already captured, released or expired."""


class IdempotencyConflict(LedgerError):
    """The same idempotency key was used with different parameters."""


class ChargeInProgressError(LedgerError):
    """A charge with the same idempotency key is still running elsewhere.

    Its work may be under way: retry later with the same key, which then
    replays its outcome (captured) or runs afresh (released or expired).
    """

    def __init__(self, key: str, hold_id: int, expires_at: dt.datetime):
        self.key = key
        self.hold_id = hold_id
        self.expires_at = expires_at
        super().__init__(
            f"a charge with idempotency key {key!r} is still in progress; "
            "retry later with the same key"
        )


@dataclass
class Shortfall:
    """Returned instead of a hold when the account cannot cover the amount."""

    required: Decimal
    available: Decimal
    trial_available: bool


# -- accounts ---------------------------------------------------------------


def _lock_account(service: str) -> Account:
    account = locked(Account.select().where(Account.service == service)).first()
    if account is None:
        # Insert-or-ignore, then lock: two processes opening the same account
        # at once end up with one row.
        Account.insert(service=service).on_conflict_ignore().execute()
        account = locked(Account.select().where(Account.service == service)).get()
    return account


def _lock_account_id(account_id: int) -> Account:
    return locked(Account.select().where(Account.id == account_id)).get()


def account_for(service: str, on_first_use=None) -> Account:
    """The service's account, opened (and its trial granted) on first use."""
    account = Account.get_or_none(Account.service == service)
    if account is None or (on_first_use is not None and not account.trial_granted):
        with write_transaction():
            account = _lock_account(service)
            if on_first_use is not None and not account.trial_granted:
                on_first_use(account)
    return account


def _journal(
    account: Account,
    kind: str,
    amount: Decimal,
    *,
    hold=None,
    lot=None,
    spent=ZERO,
    free_spent=ZERO,
    description="",
    reference=None,
) -> Entry:
    return Entry.create(
        account=account.id,
        kind=kind,
        amount=amount,
        spent=spent,
        free_spent=free_spent,
        available_after=account.available,
        held_after=account.held,
        hold=hold,
        lot=lot,
        description=description[:255],
        reference=reference,
        created_at=_now(),
    )


def _move(account: Account, available: Decimal, held: Decimal) -> None:
    """Change the account's counters by the given deltas, refusing to go negative."""
    query = Account.update(available=Account.available + available, held=Account.held + held).where(
        Account.id == account.id
    )
    if available < 0:
        query = query.where(Account.available >= -available)
    if held < 0:
        query = query.where(Account.held >= -held)
    if query.execute() != 1:
        raise LedgerError(f"account {account.service!r} would go negative")
    account.available += available
    account.held += held


# -- idempotency ------------------------------------------------------------


def _fingerprint(operation: str, **params) -> str:
    text = json.dumps({"op": operation, **{k: str(v) for k, v in params.items()}}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(key: str | None, operation: str, fingerprint: str) -> int | None:
    if key is None:
        return None
    row = IdempotencyKey.get_or_none(IdempotencyKey.key == key)
    if row is None:
        return None
    if row.operation != operation or row.fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"idempotency key {key!r} was already used for a different {row.operation}"
        )
    return row.result_id


def _remember(key: str | None, operation: str, fingerprint: str, result_id: int) -> None:
    if key is None:
        return
    try:
        with db.atomic():
            IdempotencyKey.create(
                key=key, operation=operation, fingerprint=fingerprint, result_id=result_id
            )
    except peewee.IntegrityError:
        raise IdempotencyConflict(f"idempotency key {key!r} is being used concurrently") from None


# -- lots -------------------------------------------------------------------


def _expire_lots(account: Account, now: dt.datetime) -> Decimal:
    expired = ZERO
    lots = Lot.select().where(
        (Lot.account == account.id)
        & (Lot.remaining > 0)
        & Lot.expires_at.is_null(False)
        & (Lot.expires_at <= now)
    )
    for lot in lots:
        Lot.update(remaining=0).where(Lot.id == lot.id).execute()
        _move(account, -lot.remaining, ZERO)
        _journal(
            account,
            "expiry",
            -lot.remaining,
            lot=lot.id,
            description=f"{lot.kind.title()} credits expired",
        )
        expired += lot.remaining
    return expired


def _give_back(hold: Hold, amount: Decimal) -> Decimal:
    """Return ``amount`` of a hold's credits to its lots, last drawn first;
    the part that stays spent keeps the preferred (free, soon-expiring) lots.
    Returns how much of what stays spent is free."""
    rest = amount
    for alloc in HoldLot.select().where(HoldLot.hold == hold.id).order_by(HoldLot.rank.desc()):
        if rest <= 0:
            break
        part = min(rest, alloc.amount)
        if part <= 0:
            continue
        Lot.update(remaining=Lot.remaining + part).where(Lot.id == alloc.lot_id).execute()
        HoldLot.update(amount=HoldLot.amount - part).where(HoldLot.id == alloc.id).execute()
        rest -= part
    free = (
        HoldLot.select(peewee.fn.SUM(HoldLot.amount))
        .where((HoldLot.hold == hold.id) & HoldLot.free)
        .scalar()
    )
    return HoldLot.amount.python_value(free) if free is not None else ZERO


def _units(amount: Decimal) -> int:
    return int(amount * SCALE)


def _credits(units) -> Decimal:
    return Account.available.python_value(units)


def _locked_row(service: str) -> tuple:
    """(id, available, held, trial_granted) of the service's account, locked;
    the account is opened on first use."""
    row = LOCK_ACCOUNT.run(service=service).fetchone()
    if row is None:
        # Insert-or-ignore, then lock: two processes opening the same account
        # at once end up with one row.
        Account.insert(service=service).on_conflict_ignore().execute()
        row = LOCK_ACCOUNT.run(service=service).fetchone()
    return row[0], row[1], row[2], bool(row[3])


def _pick_lots(account_id: int, units: int, available: int, now) -> list | None:
    if available < units:
        return None
    lots = SPENDABLE_LOTS.run(account=account_id, now=now).fetchall()
    if len(lots) == FIRST_LOTS and sum(row[2] for row in lots) < units:
        lots = ALL_SPENDABLE_LOTS.run(account=account_id, now=now).fetchall()
    picked, rest = [], units
    for lot, free, remaining in lots:
        part = min(remaining, rest)
        picked.append((lot, bool(free), part))
        rest -= part
        if rest == 0:
            return picked
    return None


@dataclass
class Held:
    """A hold just placed (or found again through its idempotency key)."""

    id: int
    account_id: int
    amount: Decimal
    state: str
    expires_at: dt.datetime
    replayed: bool = False
    # What the first charge captured, when ``replayed``.
    captured: Decimal = ZERO


@dataclass
class InProgress:
    """The key names a hold that is still live: another caller is doing the work."""

    id: int
    key: str
    expires_at: dt.datetime


# -- operations ---------------------------------------------------------------


def hold(
    service: str,
    credit,
    *,
    description: str = "",
    reference: str | None = None,
    idempotency_key: str | None = None,
    ttl: dt.timedelta | None = None,
    on_first_use=None,
) -> Held | InProgress | Shortfall:
    """Reserve ``credit`` on the service's account.

    Returns the :class:`Held` hold, or a :class:`Shortfall` when the account
    cannot cover it (expired holds and lots are swept first, so they never
    block). ``on_first_use(account)`` may grant trial credits under the same
    lock.

    An ``idempotency_key`` names one unit of work: if its last hold was
    captured, that hold is returned with ``replayed=True`` (nothing is held);
    if it is still live, :class:`InProgress`; if it was released or expired,
    the key is free and a new hold takes it. The key used with another
    service, amount or reference raises :class:`IdempotencyConflict`.
    """
    amount = to_credit(credit)
    units = _units(amount)
    description = description[:255]
    now = _now()
    expires = now + (ttl or DEFAULT_HOLD_TTL)
    with write_transaction():
        account_id, available, held, trial_granted = _locked_row(service)
        if idempotency_key is not None:
            fingerprint = _fingerprint("hold", service=service, amount=amount, reference=reference)
            earlier = _earlier_hold(idempotency_key, fingerprint, now)
            if isinstance(earlier, Held | InProgress):
                return earlier
            if earlier:
                # The key's last hold had expired and was just released.
                account_id, available, held, trial_granted = _locked_row(service)
        if on_first_use is not None and not trial_granted:
            on_first_use(Account.get_by_id(account_id))
            account_id, available, held, trial_granted = _locked_row(service)
        picked = _pick_lots(account_id, units, available, now)
        if picked is None and STALE.run(account=account_id, now=now).fetchone()[0]:
            # Rare: sweep what expired, then look again. A plain refusal
            # stops before: it writes nothing.
            account = Account.get_by_id(account_id)
            _release_expired(account, now)
            _expire_lots(account, now)
            available, held = _units(account.available), _units(account.held)
            picked = _pick_lots(account_id, units, available, now)
        if picked is None:
            return Shortfall(amount, _credits(available), not trial_granted)
        hold_id = INSERT_HOLD.insert(
            account=account_id,
            amount=units,
            expires_at=expires,
            description=description,
            reference=reference,
            now=now,
        )
        for rank, (lot, free, part) in enumerate(picked):
            if TAKE_FROM_LOT.run(part=part, lot=lot).rowcount != 1:
                raise LedgerError(f"lot {lot} changed under the account lock")
            INSERT_HOLD_LOT.run(hold=hold_id, lot=lot, part=part, free=free, rank=rank)
        if RESERVE.run(amount=units, account=account_id).rowcount != 1:
            raise LedgerError(f"account {service!r} would go negative")
        INSERT_ENTRY.run(
            account=account_id,
            kind="hold",
            amount=-units,
            spent=0,
            free_spent=0,
            available_after=available - units,
            held_after=held + units,
            hold=hold_id,
            description=description,
            reference=reference,
            now=now,
        )
        if idempotency_key is not None:
            _claim(idempotency_key, fingerprint, hold_id)
    return Held(hold_id, account_id, amount, "held", expires, replayed=False)


def _earlier_hold(key: str, fingerprint: str, now):
    """What the key says under the account lock: a replay of its capture
    (:class:`Held`), a charge in progress (:class:`InProgress`), ``True`` when
    its last hold had expired and was just closed, or ``None``: hold afresh."""
    row = IdempotencyKey.get_or_none(IdempotencyKey.key == key)
    if row is None:
        return None
    if row.operation != "hold" or row.fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"idempotency key {key!r} was already used for a different "
            f"{'charge' if row.operation == 'hold' else row.operation}"
        )
    found = Hold.get_by_id(row.result_id)
    if found.state == "captured":
        return Held(
            found.id,
            found.account_id,
            found.amount,
            found.state,
            found.expires_at,
            replayed=True,
            captured=found.captured,
        )
    if found.state == "held":
        if found.expires_at > now:
            return InProgress(found.id, key, found.expires_at)
        _release(Account.get_by_id(found.account_id), found, expired=True)
        return True
    return None  # released or expired: the key is free again


def wait_for(hold_id: int, deadline: float) -> bool:
    """Wait, outside any transaction, until a hold is closed or past its TTL.

    Returns False if it is still live at ``deadline`` (a ``time.monotonic()``).
    """
    pause = 0.005
    while True:
        state, expires_at = (
            Hold.select(Hold.state, Hold.expires_at).where(Hold.id == hold_id).tuples().get()
        )
        if state != "held" or Hold.expires_at.python_value(expires_at) <= _now():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.1)


def _claim(key: str, fingerprint: str, hold_id: int) -> None:
    """Point the key at the new hold. Only a caller holding the account's lock
    gets here, so the key of this service cannot change under it; a key first
    used at this moment by another service's charge is a conflict."""
    if IdempotencyKey.update(result_id=hold_id).where(IdempotencyKey.key == key).execute():
        return
    _remember(key, "hold", fingerprint, hold_id)


@dataclass
class Capture:
    """What a capture did, with the account's counters after it."""

    hold_id: int
    account_id: int
    captured: Decimal
    available: Decimal
    held: Decimal
    # The account has a low-credit alert or an automatic top-up to check.
    follow_up: bool


def capture(hold_id: int, credit=None, *, then=()) -> Capture:
    """Spend ``credit`` of a live hold (all of it by default) and give back the rest.

    Capturing more than was held, or a hold that expired or was closed,
    raises. Each callable in ``then`` runs inside the capture's transaction,
    so what it writes commits with the capture or not at all.
    """
    with write_transaction():
        account_row = LOCK_ACCOUNT_OF_HOLD.run(hold=hold_id).fetchone()
        found = HOLD_FOR_CAPTURE.run(hold=hold_id).fetchone()
        if account_row is None or found is None:
            raise Hold.DoesNotExist(f"hold {hold_id} does not exist")
        account_id, available, held, follow_up = account_row
        held_units, state, expires_at, description, reference, free = found
        amount = held_units if credit is None else _units(to_credit(credit, allow_zero=True))
        if amount > held_units:
            raise ValueError(
                f"cannot capture {_credits(amount)}: only {_credits(held_units)} was held"
            )
        if state != "held":
            raise HoldClosedError(f"hold {hold_id} is {state}, it cannot be captured")
        now = _now()
        expires_at = Hold.expires_at.python_value(expires_at)
        if expires_at <= now:
            raise HoldClosedError(
                f"hold {hold_id} expired at {expires_at:%H:%M:%S}; its credits were released"
            )
        rest = held_units - amount
        if rest:
            free = _units(_give_back(Hold.get_by_id(hold_id), _credits(rest)))
        if CLOSE_HOLD.run(amount=amount, now=now, hold=hold_id).rowcount != 1:
            raise HoldClosedError(f"hold {hold_id} was closed concurrently")
        if SETTLE.run(rest=rest, amount=held_units, account=account_id).rowcount != 1:
            raise LedgerError(f"account {account_id} would go negative")
        INSERT_ENTRY.run(
            account=account_id,
            kind="capture",
            amount=rest,
            spent=amount,
            free_spent=free or 0,
            available_after=available + rest,
            held_after=held - held_units,
            hold=hold_id,
            description=description,
            reference=reference,
            now=now,
        )
        for callback in then:
            callback()
    return Capture(
        hold_id,
        account_id,
        _credits(amount),
        _credits(available + rest),
        _credits(held - held_units),
        bool(follow_up),
    )


def _free_part(current: Hold) -> Decimal:
    free = (
        HoldLot.select(peewee.fn.SUM(HoldLot.amount))
        .where((HoldLot.hold == current.id) & HoldLot.free)
        .scalar()
    )
    return HoldLot.amount.python_value(free) if free is not None else ZERO


def release(hold_id: int, *, expired: bool = False) -> Hold:
    """Give back all of a live hold's credits. Releasing a closed hold does nothing."""
    with write_transaction():
        current = Hold.get_by_id(hold_id)
        account = _lock_account_id(current.account_id)
        current = Hold.get_by_id(hold_id)
        if current.state != "held":
            return current
        _release(account, current, expired=expired)
    return current


def _release(account: Account, current: Hold, *, expired: bool) -> None:
    state = "expired" if expired else "released"
    _give_back(current, current.amount)
    Hold.update(state=state, closed_at=_now()).where(
        (Hold.id == current.id) & (Hold.state == "held")
    ).execute()
    _move(account, current.amount, -current.amount)
    _journal(
        account,
        "release",
        current.amount,
        hold=current.id,
        description=("Hold expired: " if expired else "Released: ") + current.description,
        reference=current.reference,
    )
    current.state = state


def _release_expired(account: Account, now) -> int:
    stale = list(
        Hold.select().where(
            (Hold.account == account.id) & (Hold.state == "held") & (Hold.expires_at <= now)
        )
    )
    for current in stale:
        _release(account, current, expired=True)
    return len(stale)


def expire_holds() -> int:
    """Release every hold past its TTL (the sweeper job). Returns how many."""
    now = _now()
    count = 0
    ids = {
        h.account_id
        for h in Hold.select(Hold.account).where((Hold.state == "held") & (Hold.expires_at <= now))
    }
    for account_id in ids:
        with write_transaction():
            count += _release_expired(_lock_account_id(account_id), now)
    return count


def expire_lots() -> Decimal:
    now = _now()
    total = ZERO
    ids = {
        lot.account_id
        for lot in Lot.select(Lot.account).where(
            (Lot.remaining > 0) & Lot.expires_at.is_null(False) & (Lot.expires_at <= now)
        )
    }
    for account_id in ids:
        with write_transaction():
            total += _expire_lots(_lock_account_id(account_id), now)
    return total


def grant(
    service: str,
    credit,
    *,
    kind: str = "promotion",
    reason: str = "",
    free: bool = True,
    expires_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    order_id: int | None = None,
    account: Account | None = None,
) -> Lot:
    """Add a lot of credits. Replaying an idempotency key returns the first lot."""
    amount = to_credit(credit)
    if not reason.strip():
        raise ValueError("a grant needs a reason")
    fingerprint = _fingerprint("grant", service=service, amount=amount, kind=kind)
    with write_transaction():
        locked_account = account if account is not None else _lock_account(service)
        replayed = _replay(idempotency_key, "grant", fingerprint)
        if replayed is not None:
            return Lot.get_by_id(replayed)
        lot = Lot.create(
            account=locked_account.id,
            kind=kind,
            free=free,
            amount=amount,
            remaining=amount,
            expires_at=expires_at,
            reason=reason[:255],
            order_id=order_id,
        )
        _move(locked_account, amount, ZERO)
        _journal(locked_account, kind, amount, lot=lot.id, description=reason)
        _remember(idempotency_key, "grant", fingerprint, lot.id)
    return lot


def refund(hold_id: int, credit=None, *, reason: str, idempotency_key: str | None = None) -> Entry:
    """Give back (part of) a capture to the lots it came from."""
    if not reason.strip():
        raise ValueError("a refund needs a reason")
    fingerprint = _fingerprint("refund", hold=hold_id, amount=credit)
    with write_transaction():
        current = Hold.get_by_id(hold_id)
        account = _lock_account_id(current.account_id)
        replayed = _replay(idempotency_key, "refund", fingerprint)
        if replayed is not None:
            return Entry.get_by_id(replayed)
        current = Hold.get_by_id(hold_id)
        if current.state != "captured":
            raise HoldClosedError(f"hold {hold_id} is {current.state}: only captures are refunded")
        refundable = current.captured - current.refunded
        amount = refundable if credit is None else to_credit(credit)
        if amount > refundable:
            raise ValueError(f"cannot refund {amount}: only {refundable} is left to refund")
        free_before = _free_part(current)
        _give_back(current, amount)
        free_after = _free_part(current)
        Hold.update(refunded=Hold.refunded + amount).where(Hold.id == hold_id).execute()
        _move(account, amount, ZERO)
        entry = _journal(
            account,
            "refund",
            amount,
            hold=hold_id,
            spent=-amount,
            free_spent=free_after - free_before,
            description=reason,
            reference=current.reference,
        )
        _remember(idempotency_key, "refund", fingerprint, entry.id)
    return entry


# Reading and checking the ledger live in ``audit``; re-exported for callers
# that think of them as the ledger's.
from addons.iap.audit import Discrepancy, available, verify  # noqa: E402

__all__ = [
    "Capture",
    "ChargeInProgressError",
    "Discrepancy",
    "Held",
    "HoldClosedError",
    "IdempotencyConflict",
    "InProgress",
    "LedgerError",
    "Shortfall",
    "available",
    "capture",
    "expire_holds",
    "expire_lots",
    "grant",
    "hold",
    "refund",
    "release",
    "verify",
    "wait_for",
]
