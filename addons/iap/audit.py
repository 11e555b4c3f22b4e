"""Reading the ledger: what can be spent now, and whether the journal, the
lots and the holds still add up (``iap-host credits verify``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import peewee

from addons.iap.clock import now as _now
from addons.iap.models import Account, Entry, Hold, HoldLot, Lot

ZERO = Decimal(0)


def available(service: str) -> Decimal:
    """Spendable credits: expired holds no longer count, expired lots no longer pay."""
    account = Account.get_or_none(Account.service == service)
    if account is None:
        return ZERO
    now = _now()
    stale_holds = (
        Hold.select(peewee.fn.SUM(Hold.amount))
        .where((Hold.account == account.id) & (Hold.state == "held") & (Hold.expires_at <= now))
        .scalar()
    )
    stale_lots = (
        Lot.select(peewee.fn.SUM(Lot.remaining))
        .where(
            (Lot.account == account.id)
            & (Lot.remaining > 0)
            & Lot.expires_at.is_null(False)
            & (Lot.expires_at <= now)
        )
        .scalar()
    )
    value = account.available
    if stale_holds:
        value += Hold.amount.python_value(stale_holds)
    if stale_lots:
        value -= Lot.remaining.python_value(stale_lots)
    return max(value, ZERO)


@dataclass
class Discrepancy:
    service: str
    what: str
    expected: Decimal
    found: Decimal

    def __str__(self) -> str:
        return f"{self.service}: {self.what} is {self.found}, the journal says {self.expected}"


def verify() -> list[Discrepancy]:
    """Recompute every balance from the journal, lots and holds."""
    problems = []

    def total(query, field) -> Decimal:
        value = query.scalar()
        return field.python_value(value) if value is not None else ZERO

    for account in Account.select().order_by(Account.service):
        journal = total(
            Entry.select(peewee.fn.SUM(Entry.amount)).where(Entry.account == account.id),
            Entry.amount,
        )
        lots = total(
            Lot.select(peewee.fn.SUM(Lot.remaining)).where(Lot.account == account.id), Lot.remaining
        )
        live = total(
            Hold.select(peewee.fn.SUM(Hold.amount)).where(
                (Hold.account == account.id) & (Hold.state == "held")
            ),
            Hold.amount,
        )
        reserved = total(
            HoldLot.select(peewee.fn.SUM(HoldLot.amount))
            .join(Hold)
            .where((Hold.account == account.id) & (Hold.state == "held")),
            HoldLot.amount,
        )
        last = Entry.select().where(Entry.account == account.id).order_by(Entry.id.desc()).first()
        checks = [
            ("available balance", journal, account.available),
            ("sum of lots", journal, lots),
            ("held credits", live, account.held),
            ("credits reserved from lots", live, reserved),
        ]
        if last is not None:
            checks.append(("last journal balance", last.available_after, account.available))
        for what, expected, found in checks:
            if expected != found:
                problems.append(Discrepancy(account.service, what, expected, found))
    return problems


@dataclass
class JournalRow:
    """One line of an account's journal as people read it: a charge is one
    row (its capture or release), with its movements in ``steps``."""

    entry: Entry
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
        """What the row did to the available balance, all steps together."""
        return sum((step.amount for step in self.steps), ZERO) if self.steps else self.entry.amount


def journal_page(account_id: int, kind: str, page: int, per_page: int) -> tuple[list, int]:
    """A page of the journal, newest first, a charge on one row (a live hold
    on its own), and how many rows there are in all. ``kind`` filters on the
    row's last movement (``capture``: charges; ``hold``: charges in progress)."""
    rows = (
        Entry.select(Entry)
        .join(Hold, peewee.JOIN.LEFT_OUTER, on=(Entry.hold == Hold.id))
        .where((Entry.account == account_id) & ((Entry.kind != "hold") | (Hold.state == "held")))
    )
    if kind:
        rows = rows.where(Entry.kind == kind)
    total = rows.count()
    entries = list(rows.order_by(Entry.created_at.desc(), Entry.id.desc()).paginate(page, per_page))
    closing = [e.hold_id for e in entries if e.hold_id is not None and e.kind != "hold"]
    steps: dict[int, list] = {}
    if closing:
        for step in (
            Entry.select()
            .where(Entry.hold.in_(closing) & Entry.kind.in_(("hold", "capture", "release")))
            .order_by(Entry.id)
        ):
            steps.setdefault(step.hold_id, []).append(step)
    return [
        JournalRow(e, steps.get(e.hold_id, []) if e.kind in ("capture", "release") else [])
        for e in entries
    ], total
