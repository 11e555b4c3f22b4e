"""Reading the ledger: what can be spent now, and whether the journal, the
lots and the holds still add up (``iap-host credits verify``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import peewee

from addons.iap.clock import now as _now
from addons.iap.models import Account, Entry, Hold, Lot

ZERO = Decimal(0)


def expired_lots(account_id: int, now: dt.datetime) -> list[Lot]:
    """The account's lots past their date with credits left, in draw-down
    order: the first lots of that order (read from ``iap_lot_spendable``)."""
    return list(
        Lot.select()
        .where(
            (Lot.account == account_id)
            & ~Lot.empty
            & Lot.expires_at.is_null(False)
            & (Lot.expires_at <= now)
        )
        .order_by(Lot.expires_at.is_null(), Lot.expires_at, Lot.free.desc(), Lot.id)
    )


def drawn(account: Account, lots):
    """``lots`` with the credits of the one the account draws from as the
    account counts them (its row's ``remaining`` waits for the next change
    of the lots; see ``Account``)."""
    lots = list(lots)
    if account.draw_lot is not None:
        for lot in lots:
            if lot.id == account.draw_lot:
                lot.remaining = account.draw_room
    return lots


def lot_credits(lot_id: int) -> Decimal:
    """The credits a lot has left now."""
    lot = Lot.get_by_id(lot_id)
    return drawn(Account.get_by_id(lot.account_id), [lot])[0].remaining


def live_holds(account: Account) -> peewee.ModelSelect:
    """The account's live holds (some may be past their TTL), read from its
    ``live_from`` up along the primary key (there is no index of live
    holds). Holds are never deleted, so a new hold's id is larger than any
    before it."""
    return Hold.select().where(
        (Hold.id >= account.live_from) & (Hold.account == account.id) & (Hold.state == "held")
    )


def unclaimed(lots, claim: Decimal, now: dt.datetime) -> list[tuple]:
    """(lot, credits it loses, credits it keeps) for each lot past its date
    that loses some. ``lots`` are (id, expires_at, remaining) in draw-down
    order from the first; the live holds, ``claim`` credits in all, may still
    take the first credits of that order, so a lot keeps what they may take."""
    out = []
    for lot_id, expires_at, remaining in lots:
        if expires_at is None or expires_at > now:
            break
        keep = min(remaining, claim)
        claim -= keep
        if remaining > keep:
            out.append((lot_id, remaining - keep, keep))
    return out


def available(service: str) -> Decimal:
    """Spendable credits: expired holds no longer count, expired lots no longer pay."""
    account = Account.get_or_none(Account.service == service)
    if account is None:
        return ZERO
    now = _now()
    value, held = account.available, account.held
    stale_holds = held and (
        live_holds(account)
        .select(peewee.fn.SUM(Hold.amount))
        .where(Hold.expires_at <= now)
        .scalar()
    )
    if stale_holds:
        stale = Hold.amount.python_value(stale_holds)
        value, held = value + stale, held - stale
    if account.next_expiry is not None and account.next_expiry <= now:
        lots = [
            (lot.id, lot.expires_at, lot.remaining)
            for lot in drawn(account, expired_lots(account.id, now))
        ]
        value -= sum((gone for _, gone, _ in unclaimed(lots, held, now)), ZERO)
    return max(value, ZERO)


@dataclass
class Discrepancy:
    service: str
    what: str
    expected: object
    found: object

    def __str__(self) -> str:
        return f"{self.service}: {self.what} is {self.found}, the journal says {self.expected}"


def verify() -> list[Discrepancy]:
    """Recompute every balance from the journal, lots and holds, and check
    the journal entry by entry: each balance after is the one before plus
    its amount."""
    problems = []

    def total(query, field) -> Decimal:
        value = query.scalar()
        return field.python_value(value) if value is not None else ZERO

    for account in Account.select().order_by(Account.service):
        owned = account.available + account.held
        journal, breaks = ZERO, 0
        for entry_id, amount, after in (
            Entry.select(Entry.id, Entry.amount, Entry.balance_after)
            .where(Entry.account == account.id)
            .order_by(Entry.id)
            .tuples()
            .iterator()
        ):
            journal += amount
            if after != journal and breaks < 10:  # the first ten are enough to look at
                breaks += 1
                problems.append(
                    Discrepancy(account.service, f"balance after entry {entry_id}", journal, after)
                )
        lots = sum(
            (
                lot.remaining
                for lot in drawn(account, Lot.select().where(Lot.account == account.id))
            ),
            ZERO,
        )
        problems += _draw_problems(account)
        live = total(
            Hold.select(peewee.fn.SUM(Hold.amount)).where(
                (Hold.account == account.id) & (Hold.state == "held")
            ),
            Hold.amount,
        )
        # Read from ``live_from`` up, as the ledger reads them: a live hold
        # below it would never expire.
        from_live_from = total(live_holds(account).select(peewee.fn.SUM(Hold.amount)), Hold.amount)
        checks = [
            ("balance (available + held)", journal, owned),
            ("sum of lots", journal, lots),
            ("held credits", live, account.held),
            (f"held credits of the holds from {account.live_from} up", live, from_live_from),
        ]
        for what, expected, found in checks:
            if expected != found:
                problems.append(Discrepancy(account.service, what, expected, found))
        mismarked = (
            Lot.select()
            .where((Lot.account == account.id) & (Lot.empty != (Lot.remaining == 0)))
            .count()
        )
        if mismarked:
            problems.append(Discrepancy(account.service, "lots marked empty wrongly", 0, mismarked))
        first = (
            Lot.select(Lot.expires_at)
            .where((Lot.account == account.id) & ~Lot.empty & Lot.expires_at.is_null(False))
            .order_by(Lot.expires_at)
            .first()
        )
        if first is not None and (
            account.next_expiry is None or account.next_expiry > first.expires_at
        ):
            problems.append(
                Discrepancy(
                    account.service, "next lot expiry", first.expires_at, account.next_expiry
                )
            )
    return problems


@dataclass
class Step:
    """One movement of a charge: its hold, then its capture or release."""

    kind: str
    created_at: dt.datetime
    amount: Decimal


@dataclass
class LiveHold:
    """A hold still running, shown like a journal entry (it has none)."""

    kind: str
    created_at: dt.datetime
    description: str
    reference: str | None
    amount: Decimal
    spent: Decimal = ZERO
    balance_after: Decimal | None = None


@dataclass
class JournalRow:
    """One line of an account's journal as people read it: a charge is one
    row (its capture or release), with its movements in ``steps``."""

    entry: Entry | LiveHold
    steps: list

    @property
    def label(self) -> str:
        kind = self.entry.kind
        if self.steps and kind == "capture":
            return "Charge"
        if self.steps and kind == "release":
            return (
                "Charge expired"
                if self.entry.description.startswith("Hold expired")
                else ("Charge canceled")
            )
        if kind == "hold":
            return "Charge in progress"
        return kind.title()

    @property
    def change(self) -> Decimal:
        """What the row did to the credits owned (a live hold: what it holds)."""
        return self.entry.amount


def _draw_problems(account: Account) -> list[Discrepancy]:
    """The lot the account draws from must be its first with credits in
    draw-down order, with what the account counts of it at most its row's."""
    if account.draw_lot is None:
        return []
    first = (
        Lot.select()
        .where((Lot.account == account.id) & ~Lot.empty)
        .order_by(Lot.expires_at.is_null(), Lot.expires_at, Lot.free.desc(), Lot.id)
        .first()
    )
    found = (
        (first.id, first.free, first.remaining >= account.draw_room > 0)
        if first is not None
        else None
    )
    expected = (account.draw_lot, account.draw_free, True)
    if found != expected:
        return [Discrepancy(account.service, "lot drawn from (id, free, covered)", expected, found)]
    return []


def journal_page(account_id: int, kind: str, page: int, per_page: int) -> tuple[list, int]:
    """A page of the journal, newest first, a charge on one row (the live
    holds first, on the first page), and how many rows there are in all.
    ``kind`` filters on the row's movement (``capture``: charges; ``hold``:
    charges in progress)."""
    live = []
    account = Account.get_by_id(account_id)
    if kind in ("", "hold") and account.held:
        live = [
            JournalRow(LiveHold("hold", h.created_at, h.description, h.reference, -h.amount), [])
            for h in live_holds(account).order_by(Hold.id.desc())
        ]
    # Entries of holds, written before iap migration 3, are in their charge's row.
    rows = Entry.select(Entry).where((Entry.account == account_id) & (Entry.kind != "hold"))
    if kind:
        rows = rows.where(Entry.kind == kind)
    total = rows.count() + len(live)
    start = (page - 1) * per_page
    shown = live[start : start + per_page]
    count = per_page - len(shown)
    entries = (
        list(
            rows.order_by(Entry.created_at.desc(), Entry.id.desc())
            .offset(max(start - len(live), 0))
            .limit(count)
        )
        if count > 0
        else []
    )
    closing = [e.hold_id for e in entries if e.hold_id is not None and e.kind != "refund"]
    holds = {h.id: h for h in Hold.select().where(Hold.id.in_(closing))} if closing else {}
    out = shown
    for e in entries:
        found = holds.get(e.hold_id) if e.kind in ("capture", "release") else None
        steps = (
            [Step("hold", found.created_at, -found.amount), Step(e.kind, e.created_at, e.amount)]
            if found is not None
            else []
        )
        out.append(JournalRow(e, steps))
    return out, total
