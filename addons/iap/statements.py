"""The statements of the ledger's hot path, compiled once (see ``host.Prepared``).

``charge()`` runs one hold and one capture; peewee would spend far longer
building their SQL than the database spends running it. Values are passed in
database form: credits as integers of 10**-6.
"""

from __future__ import annotations

import peewee

from addons.iap.models import Account, Entry, Hold, HoldLot, Lot
from host import P, Prepared, locked

SCALE = Account.available.scale

LOCK_ACCOUNT = Prepared(
    lambda: locked(
        Account.select(Account.id, Account.available, Account.held, Account.trial_granted).where(
            Account.service == P.service
        )
    )
)
# Lots in draw-down order: soonest expiry first (no expiry last), free before
# paid, then oldest. The ``iap_lot_spendable`` index has this very order, so
# the database reads the first lots and stops.
FIRST_LOTS = 8


def _spendable_lots():
    return (
        Lot.select(Lot.id, Lot.free, Lot.remaining)
        .where(
            (Lot.account == P.account)
            & (Lot.remaining > 0)
            & (Lot.expires_at.is_null() | (Lot.expires_at > P.now))
        )
        .order_by(Lot.expires_at.is_null(), Lot.expires_at, Lot.free.desc(), Lot.id)
    )


SPENDABLE_LOTS = Prepared(lambda: _spendable_lots().limit(FIRST_LOTS))
# When the first lots do not cover a hold (one made of many small lots).
ALL_SPENDABLE_LOTS = Prepared(_spendable_lots)
# Whether sweeping could change what the account can spend: a live hold past
# its TTL, or a lot past its date with credits left (both read from indexes).
STALE = Prepared(
    lambda: peewee.Select(
        columns=[
            peewee.fn.EXISTS(
                Hold.select(Hold.id).where(
                    (Hold.account == P.account)
                    & (Hold.state == "held")
                    & (Hold.expires_at <= P.now)
                )
            )
            | peewee.fn.EXISTS(
                Lot.select(Lot.id).where(
                    (Lot.account == P.account)
                    & (Lot.remaining > 0)
                    & (Lot.expires_at.is_null() == peewee.SQL("FALSE"))  # the index's expression
                    & (Lot.expires_at <= P.now)
                )
            )
        ]
    )
)
INSERT_HOLD = Prepared(
    lambda: Hold.insert(
        account=P.account,
        amount=P.amount,
        captured=0,
        refunded=0,
        state="held",
        expires_at=P.expires_at,
        description=P.description,
        reference=P.reference,
        created_at=P.now,
    )
)
TAKE_FROM_LOT = Prepared(
    lambda: Lot.update(remaining=Lot.remaining - P.part).where(
        (Lot.id == P.lot) & (Lot.remaining >= P.part)
    )
)
INSERT_HOLD_LOT = Prepared(
    lambda: HoldLot.insert(hold=P.hold, lot=P.lot, amount=P.part, free=P.free, rank=P.rank)
)
RESERVE = Prepared(
    lambda: Account.update(
        available=Account.available - P.amount,
        held=Account.held + P.amount,
    ).where((Account.id == P.account) & (Account.available >= P.amount))
)
SETTLE = Prepared(
    lambda: Account.update(
        available=Account.available + P.rest,
        held=Account.held - P.amount,
    ).where((Account.id == P.account) & (Account.held >= P.amount))
)
INSERT_ENTRY = Prepared(
    lambda: Entry.insert(
        account=P.account,
        kind=P.kind,
        amount=P.amount,
        spent=P.spent,
        free_spent=P.free_spent,
        available_after=P.available_after,
        held_after=P.held_after,
        hold=P.hold,
        lot=None,
        description=P.description,
        reference=P.reference,
        created_at=P.now,
    )
)
# The account of a hold, locked through the hold: one statement.
LOCK_ACCOUNT_OF_HOLD = Prepared(
    lambda: locked(
        Account.select(
            Account.id,
            Account.available,
            Account.held,
            Account.alert_enabled | Account.topup_enabled,
        ).where(Account.id == Hold.select(Hold.account).where(Hold.id == P.hold))
    )
)
HOLD_FOR_CAPTURE = Prepared(
    lambda: Hold.select(
        Hold.amount,
        Hold.state,
        Hold.expires_at,
        Hold.description,
        Hold.reference,
        HoldLot.select(peewee.fn.SUM(HoldLot.amount)).where(
            (HoldLot.hold == Hold.id) & HoldLot.free
        ),
    ).where(Hold.id == P.hold)
)
CLOSE_HOLD = Prepared(
    lambda: Hold.update(
        state="captured",
        captured=P.amount,
        closed_at=P.now,
    ).where((Hold.id == P.hold) & (Hold.state == "held"))
)
