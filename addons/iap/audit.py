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
