"""The ledger: every rule about credits, in one module.

Each mutation runs in one write transaction that first locks the account row
(``BEGIN IMMEDIATE`` on SQLite, a row lock on PostgreSQL: ``SELECT … FOR
UPDATE`` or the account's own ``UPDATE``), changes the account with a
conditional update, and appends a journal entry carrying the balance after
it. The database's CHECK constraints refuse a negative balance even if this
code were wrong.

The account counts ``available`` and ``held`` credits; their sum, the
balance, is what the lots hold and what the journal adds up to. A hold only
moves credits from ``available`` to ``held``: one conditional update and the
hold's row, no journal entry, no lot touched. Its capture takes what it
spends from the lots then (soonest expiry first, free before paid, then
oldest), gives the rest back to ``available`` and writes the journal entry; a
release gives everything back (an entry of 0, for the record).

The live holds, together, may take the first ``held`` credits of the lots in
draw-down order, so a lot past its date keeps what they may still take from
it and expires the rest (:func:`_expire_lots`).

The first lot in draw-down order is the account's ``draw_lot``: a capture it
covers counts what it takes on the account (``draw_room``) and writes no
lot. Whatever else reads or changes the lots under the account's lock first
writes that count back to the lot (:func:`_put_back_draw`); a capture the
lot does not cover takes from the lots the long way, then names the next
lot to draw from (:func:`_draw_from_first`).
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
from addons.iap.audit import expired_lots, live_holds, unclaimed
from addons.iap.clock import now as _now
from addons.iap.models import Account, Entry, Hold, HoldLot, IdempotencyKey, Lot
from addons.iap.statements import (
    ALL_SPENDABLE_LOTS,
    CLOSE_DRAWN_HOLD,
    CLOSE_HOLD,
    DRAW_FROM,
    FIRST_LOTS,
    HOLD_ACCOUNT,
    INSERT_DRAWN_ENTRY,
    INSERT_ENTRY,
    INSERT_HOLD,
    INSERT_HOLD_LOT,
    LOCK_ACCOUNT,
    RESERVE,
    RESERVE_FAST,
    SCALE,
    SETTLE,
    SETTLE_DRAWING,
    SPENDABLE_LOTS,
    STALE_HOLDS,
    TAKE_FROM_FIRST_LOT,
    TAKE_FROM_LOT,
    TRIAL_ONLY,
)
from host import db, hot_transaction, locked, sql_datetime, write_transaction

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
        _open_account(service)
        account = locked(Account.select().where(Account.service == service)).get()
    return account


def _open_account(service: str) -> None:
    """Insert the service's account unless it exists: two processes opening
    it at once end up with one row, which their callers then lock.

    Its ``live_from`` starts past every hold there is (other accounts'):
    its own holds come after it, with larger ids. From 0, a refusal while
    one of its holds is live would read every hold of the database, until
    its first capture moved ``live_from``."""
    Account.insert(
        service=service,
        live_from=Hold.select(peewee.fn.COALESCE(peewee.fn.MAX(Hold.id), 0) + 1),
    ).on_conflict_ignore().execute()


def _lock_account_id(account_id: int) -> Account:
    return locked(Account.select().where(Account.id == account_id)).get()


def trial_only(service: str) -> bool:
    """The service's account had a trial lot, and no lot it paid for."""
    # Prepared: a refusal stays the cheap path.
    return bool(TRIAL_ONLY.run(service=service).fetchone()[0])


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
        balance_after=account.available + account.held,
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


def _put_back_draw(account_id: int) -> None:
    """Write what the account counted of the lot it draws from back to the
    lot, and draw from no lot: the lots are then the whole truth, to read or
    change under the account's lock."""
    row = (
        Account.select(Account.draw_lot, Account.draw_room)
        .where((Account.id == account_id) & Account.draw_lot.is_null(False))
        .tuples()
        .first()
    )
    if row is None:
        return
    lot_id, room = row
    Lot.update(remaining=room, empty=room == 0).where(Lot.id == lot_id).execute()
    Account.update(draw_lot=None, draw_room=0, draw_free=False).where(
        Account.id == account_id
    ).execute()


def _draw_from_first(account_id: int) -> None:
    """The first lot with credits in draw-down order becomes the one the
    account draws from (after :func:`_put_back_draw`)."""
    first = SPENDABLE_LOTS.run(account=account_id).fetchone()
    if first is not None:
        lot_id, free, remaining = first
        DRAW_FROM.run(account=account_id, lot=lot_id, room=remaining, free=bool(free))


def _lower_next_expiry(account: Account, when: dt.datetime | None) -> None:
    """A lot dated ``when`` has credits (a grant, a refund)."""
    if when is None or (account.next_expiry is not None and account.next_expiry <= when):
        return
    Account.update(next_expiry=when).where(Account.id == account.id).execute()
    account.next_expiry = when


def _reset_next_expiry(account: Account) -> None:
    """``next_expiry`` from the lots: the date of the first lot with credits
    in draw-down order (the dated ones come first)."""
    first = (
        Lot.select(Lot.expires_at)
        .where((Lot.account == account.id) & ~Lot.empty)
        .order_by(Lot.expires_at.is_null(), Lot.expires_at, Lot.free.desc(), Lot.id)
        .limit(1)
        .scalar()
    )
    when = Lot.expires_at.python_value(first)
    if when != account.next_expiry:
        Account.update(next_expiry=when).where(Account.id == account.id).execute()
        account.next_expiry = when


def _expire_lots(account: Account, now: dt.datetime) -> Decimal:
    """Expire what the lots past their date hold beyond what the live holds
    may take from them. Call after releasing the expired holds."""
    _put_back_draw(account.id)
    lots = {lot.id: lot for lot in expired_lots(account.id, now)}
    expired = ZERO
    for lot_id, gone, keep in unclaimed(
        [(lot.id, lot.expires_at, lot.remaining) for lot in lots.values()], account.held, now
    ):
        lot = lots[lot_id]
        Lot.update(remaining=keep, empty=keep == 0).where(Lot.id == lot_id).execute()
        _move(account, -gone, ZERO)
        _journal(
            account,
            "expiry",
            -gone,
            lot=lot_id,
            description=f"{lot.kind.title()} credits expired",
        )
        expired += gone
    _reset_next_expiry(account)
    return expired


def _allocations(current: Hold) -> list[tuple[int, Decimal, bool, int | None]]:
    """(lot, credits, free, HoldLot id) a capture took and has not given back,
    in the order it took them."""
    if current.lot_id is not None:
        free = Lot.select(Lot.free).where(Lot.id == current.lot_id).scalar()
        return [(current.lot_id, current.captured - current.refunded, bool(free), None)]
    return [
        (alloc.lot_id, alloc.amount, alloc.free, alloc.id)
        for alloc in HoldLot.select().where(HoldLot.hold == current.id).order_by(HoldLot.rank)
    ]


def _give_back(account: Account, current: Hold, amount: Decimal) -> Decimal:
    """Return ``amount`` of a capture's credits to its lots, last taken first
    (what stays spent keeps the preferred, free and soon-expiring, lots).
    Returns how much of it was free."""
    rest, free_back = amount, ZERO
    for lot_id, taken, free, alloc_id in reversed(_allocations(current)):
        if rest <= 0:
            break
        part = min(rest, taken)
        if part <= 0:
            continue
        Lot.update(remaining=Lot.remaining + part, empty=False).where(Lot.id == lot_id).execute()
        _lower_next_expiry(account, Lot.get_by_id(lot_id).expires_at)
        if alloc_id is not None:
            HoldLot.update(amount=HoldLot.amount - part).where(HoldLot.id == alloc_id).execute()
        if free:
            free_back += part
        rest -= part
    if rest > 0:
        raise LedgerError(f"hold {current.id} took {rest} less from its lots than it gives back")
    return free_back


def _take(account_id: int, hold_id: int, units: int) -> tuple[int | None, int]:
    """Take ``units`` from the account's lots in draw-down order. Returns the
    lot when one paid it all (else the lots are in ``HoldLot``), and how much
    of it was free."""
    if not units:
        return None, 0
    row = TAKE_FROM_FIRST_LOT.run(account=account_id, part=units).fetchall()
    if row:
        lot, free = row[0]
        return lot, units if free else 0
    lots = SPENDABLE_LOTS.run(account=account_id).fetchall()
    if len(lots) == FIRST_LOTS and sum(r[2] for r in lots) < units:
        lots = ALL_SPENDABLE_LOTS.run(account=account_id).fetchall()
    picked, rest = [], units
    for lot, free, remaining in lots:
        part = min(remaining, rest)
        picked.append((lot, bool(free), part))
        rest -= part
        if not rest:
            break
    if rest:
        # The lots hold the balance and a hold is part of it: never here.
        raise LedgerError(f"the lots of account {account_id} do not cover hold {hold_id}")
    for rank, (lot, free, part) in enumerate(picked):
        if TAKE_FROM_LOT.run(part=part, lot=lot).rowcount != 1:
            raise LedgerError(f"lot {lot} changed under the account lock")
        if len(picked) > 1:
            INSERT_HOLD_LOT.run(hold=hold_id, lot=lot, part=part, free=free, rank=rank)
    free_units = sum(part for _, free, part in picked if free)
    return (picked[0][0] if len(picked) == 1 else None), free_units


def _units(amount: Decimal) -> int:
    return int(amount * SCALE)


def _credits(units) -> Decimal:
    return Account.available.python_value(units)


# Each service's account as this process last locked it: (id, whether it
# has a low-credit alert or an automatic top-up to check after a capture).
# Only a hint: the fast hold checks both on the row it updates, and one
# that no longer holds (another database, the settings changed) sends it
# the long way, which locks the row and keeps what it reads.
_kept_accounts: dict[str, tuple[int, bool]] = {}


def _locked_row(service: str) -> tuple:
    """(id, available, held, trial_granted, next_expiry, live_from,
    follow_up) of the service's account, locked; the account is opened on
    first use."""
    row = LOCK_ACCOUNT.run(service=service).fetchone()
    if row is None:
        _open_account(service)
        row = LOCK_ACCOUNT.run(service=service).fetchone()
    follow_up = bool(row[6])
    _kept_accounts[service] = (row[0], follow_up)
    next_expiry = Account.next_expiry.python_value(row[4])
    return row[0], row[1], row[2], bool(row[3]), next_expiry, row[5], follow_up


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
    # As stored (cut to 255): its capture's journal entry repeats them.
    description: str = ""
    reference: str | None = None
    # The account had a low-credit alert or an automatic top-up when held:
    # its capture returns ``follow_up`` (see :class:`Capture`).
    follow_up: bool = False

    @classmethod
    def placed(cls, hold_id, account_id, amount, expires, description, reference, follow_up):
        """A hold just placed."""
        return cls(
            hold_id,
            account_id,
            amount,
            "held",
            expires,
            description=description,
            reference=reference,
            follow_up=follow_up,
        )


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
    state: int | None = None,
    recheck=None,
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

    With ``recheck``, the hold also checks that the database's
    ``host.state_version`` counter is still ``state`` (the enabled addons
    the caller looked the service up in); if anything sends it the long
    way, ``recheck()`` runs first, in the transaction, and may raise (an
    addon disabled since: nothing is held).
    """
    return hold_credit(
        service,
        to_credit(credit),
        description=description,
        reference=reference,
        idempotency_key=idempotency_key,
        ttl=ttl,
        on_first_use=on_first_use,
        state=state,
        recheck=recheck,
    )


def hold_credit(
    service: str,
    amount: Decimal,
    *,
    description: str = "",
    reference: str | None = None,
    idempotency_key: str | None = None,
    ttl: dt.timedelta | None = None,
    on_first_use=None,
    state: int | None = None,
    recheck=None,
) -> Held | InProgress | Shortfall:
    """:func:`hold` of an amount ``to_credit`` already returned (``charge()``'s)."""
    description = description[:255]
    now = _now()
    expires = now + (ttl or DEFAULT_HOLD_TTL)
    kept = _kept_accounts.get(service) if idempotency_key is None else None
    if kept is not None:
        # Made before the transaction, so the lock is held for the statements
        # alone; a wait for it makes ``now`` early, as if the call had come
        # that much sooner (a date passed meanwhile counts as not yet passed).
        account_id, follow_up = kept
        units = _units(amount)
        stamp = sql_datetime(now)
        expires_at = sql_datetime(expires)
    with hot_transaction() as cursor:
        # Most holds: the account this process keeps covers it and nothing
        # is to be swept or granted first. No row changed: the slow path
        # looks why.
        if (
            kept is not None
            and RESERVE_FAST.run_on(
                cursor,
                amount=units,
                account=account_id,
                service=service,
                now=stamp,
                no_trial=on_first_use is None,
                follow_up=follow_up,
                state=state,
                unchecked=recheck is None,
            ).rowcount
            == 1
        ):
            hold_id = INSERT_HOLD.insert_on(
                cursor,
                account=account_id,
                amount=units,
                expires_at=expires_at,
                description=description,
                reference=reference,
                now=stamp,
            )
        else:
            if recheck is not None:
                recheck()
            return _hold_slowly(
                service,
                amount,
                now,
                expires,
                description=description,
                reference=reference,
                idempotency_key=idempotency_key,
                on_first_use=on_first_use,
            )
    return Held.placed(hold_id, account_id, amount, expires, description, reference, follow_up)


def _hold_slowly(
    service: str,
    amount: Decimal,
    now: dt.datetime,
    expires: dt.datetime,
    *,
    description: str,
    reference: str | None,
    idempotency_key: str | None,
    on_first_use,
) -> Held | InProgress | Shortfall:
    """A hold with everything checked in turn, in the caller's transaction:
    the account opened, the key looked up, the trial granted, what expired
    swept. A plain refusal writes nothing."""
    units = _units(amount)
    account_id, available, held, trial_granted, next_expiry, live_from, follow_up = _locked_row(
        service
    )
    if idempotency_key is not None:
        fingerprint = _fingerprint("hold", service=service, amount=amount, reference=reference)
        earlier = _earlier_hold(idempotency_key, fingerprint, now)
        if isinstance(earlier, Held | InProgress):
            return earlier
        if earlier:
            # The key's last hold had expired and was just released.
            account_id, available, held, trial_granted, next_expiry, live_from, follow_up = (
                _locked_row(service)
            )
    if on_first_use is not None and not trial_granted:
        on_first_use(Account.get_by_id(account_id))
        account_id, available, held, trial_granted, next_expiry, live_from, follow_up = _locked_row(
            service
        )
    lots_expired = next_expiry is not None and next_expiry <= now
    if lots_expired or (
        available < units
        and held
        and STALE_HOLDS.run(account=account_id, live_from=live_from, now=now).fetchone()[0]
    ):
        account = Account.get_by_id(account_id)
        _release_expired(account, now)
        _expire_lots(account, now)
        available = _units(account.available)
    if available < units:
        return Shortfall(amount, _credits(available), not trial_granted)
    if RESERVE.run(amount=units, account=account_id).rowcount != 1:
        raise LedgerError(f"account {service!r} would go negative")
    hold_id = INSERT_HOLD.insert(
        account=account_id,
        amount=units,
        expires_at=expires,
        description=description,
        reference=reference,
        now=now,
    )
    if idempotency_key is not None:
        _claim(idempotency_key, fingerprint, hold_id)
    return Held.placed(hold_id, account_id, amount, expires, description, reference, follow_up)


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
            description=found.description,
            reference=found.reference,
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


class Capture:
    """What a capture did.

    ``follow_up``: the account has a low-credit alert or an automatic
    top-up to check (``charge()`` then reads the account). A capture through
    the lot drawn from knows it from its hold, so a setting changed while
    the hold was live is seen from the next capture on."""

    __slots__ = ("hold_id", "account_id", "follow_up", "_units")

    def __init__(self, hold_id: int, account_id: int, units: int, follow_up: bool):
        self.hold_id = hold_id
        self.account_id = account_id
        self.follow_up = follow_up
        self._units = units  # captured, in 10**-6: ``charge()`` does not read it

    @property
    def captured(self) -> Decimal:
        return _credits(self._units)

    def __repr__(self) -> str:
        return (
            f"Capture(hold_id={self.hold_id}, account_id={self.account_id}, "
            f"captured={self.captured}, follow_up={self.follow_up})"
        )


def capture(hold_id: int, credit=None, *, then=(), held: Held | None = None) -> Capture:
    """Spend ``credit`` of a live hold (all of it by default) and give back the rest.

    Capturing more than was held, or a hold that expired or was closed,
    raises. Each callable in ``then`` runs inside the capture's transaction,
    so what it writes commits with the capture or not at all. ``held`` is
    the hold as :func:`hold` returned it, which spares reading it.
    """
    known = held is not None and held.id == hold_id
    if known:
        held_units = _units(held.amount)
        amount = _to_capture(credit, held_units)
    # Before the transaction, as the hold's (see there).
    now = _now()
    stamp = sql_datetime(now)
    with hot_transaction() as cursor:
        if known:
            account_id, description, reference = held.account_id, held.description, held.reference
            follow_up = held.follow_up
        else:
            found = HOLD_ACCOUNT.run_on(cursor, hold=hold_id).fetchone()
            if found is None:
                raise Hold.DoesNotExist(f"hold {hold_id} does not exist")
            account_id, held_units, description, reference, follow_up = found
            amount = _to_capture(credit, held_units)
        rest = held_units - amount
        if (
            amount
            and SETTLE_DRAWING.run_on(
                cursor, rest=rest, amount=held_units, spent=amount, account=account_id, hold=hold_id
            ).rowcount
        ):
            # Most captures: the lot the account draws from pays it all, and
            # the hold and the journal read it from the account's row.
            if (
                CLOSE_DRAWN_HOLD.run_on(
                    cursor,
                    amount=amount,
                    now=stamp,
                    hold=hold_id,
                    account=account_id,
                    held=held_units,
                ).rowcount
                != 1
            ):
                # Raised inside the transaction: what was settled is undone.
                raise _not_capturable(hold_id, now)
            INSERT_DRAWN_ENTRY.run_on(
                cursor,
                account=account_id,
                amount=-amount,
                spent=amount,
                hold=hold_id,
                description=description,
                reference=reference,
                now=stamp,
            )
        else:
            follow_up = _capture_slowly(
                account_id, hold_id, held_units, amount, description, reference, now, stamp
            )
        for callback in then:
            callback()
    return Capture(hold_id, account_id, amount, bool(follow_up))


def _to_capture(credit, held_units: int) -> int:
    """What a capture of ``credit`` (all of it when None) spends, in 10**-6."""
    if credit is None:
        return held_units
    amount = _units(to_credit(credit, allow_zero=True))
    if amount > held_units:
        raise ValueError(f"cannot capture {_credits(amount)}: only {_credits(held_units)} was held")
    return amount


def _capture_slowly(
    account_id: int,
    hold_id: int,
    held_units: int,
    amount: int,
    description: str,
    reference: str | None,
    now: dt.datetime,
    stamp,
):
    """A capture the lot drawn from does not cover (or of nothing), in the
    caller's transaction: it takes from the lots the long way, then names
    the next lot to draw from. Returns the account's ``follow_up``."""
    settled = SETTLE.run(
        rest=held_units - amount, amount=held_units, account=account_id, hold=hold_id
    ).fetchall()
    if not settled:
        raise _not_capturable(hold_id, now)
    available, held_after, follow_up = settled[0]
    if amount:
        _put_back_draw(account_id)
        lot, free = _take(account_id, hold_id, amount)
        _draw_from_first(account_id)
    else:
        lot, free = None, 0
    closed = CLOSE_HOLD.run(
        amount=amount, now=stamp, lot=lot, hold=hold_id, account=account_id, held=held_units
    ).rowcount
    if closed != 1:
        # Raised inside the transaction: what was settled and taken is undone.
        raise _not_capturable(hold_id, now)
    INSERT_ENTRY.run(
        account=account_id,
        kind="capture",
        amount=-amount,
        spent=amount,
        free_spent=free,
        balance_after=available + held_after,
        hold=hold_id,
        description=description,
        reference=reference,
        now=stamp,
    )
    return follow_up


def _not_capturable(hold_id: int, now: dt.datetime) -> Exception:
    """Why a hold could not be closed by its capture."""
    found = Hold.get_or_none(Hold.id == hold_id)
    if found is None:
        return Hold.DoesNotExist(f"hold {hold_id} does not exist")
    if found.state != "held":
        return HoldClosedError(f"hold {hold_id} is {found.state}, it cannot be captured")
    if found.expires_at <= now:
        return HoldClosedError(
            f"hold {hold_id} expired at {found.expires_at:%H:%M:%S}; its credits were released"
        )
    return LedgerError(f"hold {hold_id} does not match its account's held credits")


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
    Hold.update(state=state, closed_at=_now()).where(
        (Hold.id == current.id) & (Hold.state == "held")
    ).execute()
    _move(account, current.amount, -current.amount)
    if not account.held and account.live_from <= current.id:
        # No hold of the account is live: the next one is newer than this one.
        Account.update(live_from=current.id + 1).where(Account.id == account.id).execute()
        account.live_from = current.id + 1
    # Nothing owned changed: an entry of 0 keeps the charge's end on record.
    _journal(
        account,
        "release",
        ZERO,
        hold=current.id,
        description=("Hold expired: " if expired else "Released: ") + current.description,
        reference=current.reference,
    )
    current.state = state


def _release_expired(account: Account, now) -> int:
    """Release the account's holds past their TTL and move its ``live_from``
    to the first hold still live: the next reads start there."""
    if not account.held:
        return 0
    live = list(live_holds(account).order_by(Hold.id))
    stale = [current for current in live if current.expires_at <= now]
    for current in stale:
        _release(account, current, expired=True)
    first = next((current.id for current in live if current.expires_at > now), None)
    if first is None:
        first = live[-1].id + 1 if live else account.live_from
    if first != account.live_from:
        Account.update(live_from=first).where(Account.id == account.id).execute()
        account.live_from = first
    return len(stale)


def expire_holds() -> int:
    """Release every hold past its TTL (the sweeper job). Returns how many.

    Every account with credits held is looked at (a handful: one per
    service), which also moves its ``live_from`` up to its first live hold."""
    now = _now()
    count = 0
    for account_id in [a.id for a in Account.select(Account.id).where(Account.held > 0)]:
        with write_transaction():
            count += _release_expired(_lock_account_id(account_id), now)
    return count


def expire_lots() -> Decimal:
    """Expire the credits of lots past their date that no live hold may take
    (the sweeper job, after :func:`expire_holds`). Returns how many."""
    now = _now()
    total = ZERO
    ids = [a.id for a in Account.select(Account.id).where(Account.next_expiry <= now)]
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
        # The new lot may come first in draw-down order.
        _put_back_draw(locked_account.id)
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
        _lower_next_expiry(locked_account, expires_at)
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
        _put_back_draw(account.id)
        free_back = _give_back(account, current, amount)
        Hold.update(refunded=Hold.refunded + amount).where(Hold.id == hold_id).execute()
        _move(account, amount, ZERO)
        entry = _journal(
            account,
            "refund",
            amount,
            hold=hold_id,
            spent=-amount,
            free_spent=-free_back,
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
