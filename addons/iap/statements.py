"""The statements of the ledger's hot path, compiled once (see ``host.Prepared``).

``charge()`` runs one hold and one capture; peewee would spend far longer
building their SQL than the database spends running it. Values are passed in
database form: credits as integers of 10**-6.

A round trip is: a conditional ``UPDATE`` of the account and an ``INSERT`` of
the hold; then an ``UPDATE`` of the account (which locks it first, and
counts what is taken from the lot it draws from), of the hold, and one
journal ``INSERT``: what the minimal two-phase ledger does. None of them
asks anything back: ``RETURNING`` costs SQLite more than the update it
follows. The hold names its account by the id this process keeps for it
(checked on the row), and the capture's hold and journal rows read what
they need of the account's row in their own statement.
"""

from __future__ import annotations

import peewee

from addons.iap.models import Account, Entry, Hold, HoldLot, Lot
from host import P, Prepared, locked, state_unchanged

SCALE = Account.available.scale

_follow_up = Account.alert_enabled | Account.topup_enabled

# The hold, in one statement: the account is the one this process keeps
# for the service (its id, and whether it has a low-credit alert or an
# automatic top-up to check after a capture), it has the credits, no lot
# with credits is past its date (``next_expiry``), a trial the service
# offers was granted, and the enabled addons are still those the process
# kept (``charge()`` looked its service up in them without reading them).
# No row: the slow path decides (read the addons and the account, open,
# grant, sweep, refuse).
RESERVE_FAST = Prepared(
    lambda: Account.update(
        available=Account.available - P.amount,
        held=Account.held + P.amount,
    ).where(
        (Account.id == P.account)
        & (Account.service == P.service)
        & (Account.available >= P.amount)
        & (Account.next_expiry.is_null() | (Account.next_expiry > P.now))
        & (Account.trial_granted | P.no_trial)
        & (_follow_up == P.follow_up)
        & (P.unchecked | state_unchanged(P.state))
    )
)
LOCK_ACCOUNT = Prepared(
    lambda: locked(
        Account.select(
            Account.id,
            Account.available,
            Account.held,
            Account.trial_granted,
            Account.next_expiry,
            Account.live_from,
            _follow_up,
        ).where(Account.service == P.service)
    )
)
RESERVE = Prepared(
    lambda: Account.update(
        available=Account.available - P.amount,
        held=Account.held + P.amount,
    ).where((Account.id == P.account) & (Account.available >= P.amount))
)
# Whether a live hold is past its TTL (read from the account's ``live_from`` up).
STALE_HOLDS = Prepared(
    lambda: peewee.Select(
        columns=[
            peewee.fn.EXISTS(
                Hold.select(Hold.id).where(
                    (Hold.id >= P.live_from)
                    & (Hold.account == P.account)
                    & (Hold.state == "held")
                    & (Hold.expires_at <= P.now)
                )
            )
        ]
    )
)
# Whether the account's credits came from its free trial only: a trial lot
# and no lot paid for (asked when a charge is refused).
TRIAL_ONLY = Prepared(
    lambda: peewee.Select(
        columns=[
            peewee.fn.EXISTS(
                Lot.select(Lot.id)
                .join(Account)
                .where((Account.service == P.service) & (Lot.kind == "trial"))
            )
            & ~peewee.fn.EXISTS(
                Lot.select(Lot.id)
                .join(Account)
                .where((Account.service == P.service) & (Lot.free == peewee.SQL("FALSE")))
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


# The capture settles the account first: on PostgreSQL that locks it, as
# every other mutation does first, so two never wait on each other. Nothing
# left held: no live hold is older than the next one, whose id is larger.
def _settle(**more):
    return Account.update(
        available=Account.available + P.rest,
        held=Account.held - P.amount,
        live_from=peewee.Case(
            None,
            [(Account.held == P.amount, peewee.NodeList((P.hold, peewee.SQL("+ 1"))))],
            Account.live_from,
        ),
        **more,
    ).where((Account.id == P.account) & (Account.held >= P.amount))


# Most captures: the lot the account draws from covers what is spent and
# keeps some (``draw_room``), so the lot's row is not written; the hold
# and the journal entry then read the lot and the balance from the account
# (``CLOSE_DRAWN_HOLD``, ``INSERT_DRAWN_ENTRY``). No row: the capture is
# not capturable, or takes from the lots (``SETTLE``).
SETTLE_DRAWING = Prepared(
    lambda: _settle(draw_room=Account.draw_room - P.spent).where(
        Account.draw_lot.is_null(False) & (Account.draw_room > P.spent)
    )
)
SETTLE = Prepared(lambda: _settle().returning(Account.available, Account.held, _follow_up))
# The first lot in draw-down order becomes the one the account draws from.
DRAW_FROM = Prepared(
    lambda: Account.update(draw_lot=P.lot, draw_room=P.room, draw_free=P.free).where(
        Account.id == P.account
    )
)

# Lots in draw-down order: soonest expiry first (no expiry last), free before
# paid, then oldest. The ``iap_lot_spendable`` index has this very order, so
# the database reads the first lots and stops. A lot past its date with
# credits left keeps them for the live holds (the sweep expires the rest):
# a capture takes from it first.
FIRST_LOTS = 8


def _spendable_lots():
    return (
        Lot.select(Lot.id, Lot.free, Lot.remaining)
        .where((Lot.account == P.account) & ~Lot.empty)
        .order_by(Lot.expires_at.is_null(), Lot.expires_at, Lot.free.desc(), Lot.id)
    )


SPENDABLE_LOTS = Prepared(lambda: _spendable_lots().limit(FIRST_LOTS))
# When the first lots do not cover a capture (one made of many small lots).
ALL_SPENDABLE_LOTS = Prepared(_spendable_lots)
# A capture the lot drawn from did not cover (none named yet, or it would
# be emptied), when the first lot has more than the capture takes.
# ``remaining`` is not in the lot index, so this writes the lot's row alone.
TAKE_FROM_FIRST_LOT = Prepared(
    lambda: (
        Lot.update(remaining=Lot.remaining - P.part)
        .where((Lot.id == _spendable_lots().columns(Lot.id).limit(1)) & (Lot.remaining > P.part))
        .returning(Lot.id, Lot.free)
    )
)
TAKE_FROM_LOT = Prepared(
    lambda: Lot.update(remaining=Lot.remaining - P.part, empty=(Lot.remaining - P.part) == 0).where(
        (Lot.id == P.lot) & (Lot.remaining >= P.part)
    )
)
INSERT_HOLD_LOT = Prepared(
    lambda: HoldLot.insert(hold=P.hold, lot=P.lot, amount=P.part, free=P.free, rank=P.rank)
)


def _close_hold(lot):
    return Hold.update(
        state="captured",
        captured=P.amount,
        closed_at=P.now,
        lot=lot,
    ).where(
        (Hold.id == P.hold)
        & (Hold.account == P.account)
        & (Hold.amount == P.held)
        & (Hold.state == "held")
        & (Hold.expires_at > P.now)
    )


CLOSE_HOLD = Prepared(lambda: _close_hold(P.lot))
CLOSE_DRAWN_HOLD = Prepared(
    lambda: _close_hold(Account.select(Account.draw_lot).where(Account.id == P.account))
)
INSERT_ENTRY = Prepared(
    lambda: Entry.insert(
        account=P.account,
        kind=P.kind,
        amount=P.amount,
        spent=P.spent,
        free_spent=P.free_spent,
        balance_after=P.balance_after,
        hold=P.hold,
        lot=None,
        description=P.description,
        reference=P.reference,
        created_at=P.now,
    ).returning()
)
# A capture's entry after ``SETTLE_DRAWING``: the balance after it and what
# of it was free, from the account's row. (No ``lot``: an untyped NULL in a
# SELECT is text to PostgreSQL; the column's default is NULL.)
INSERT_DRAWN_ENTRY = Prepared(
    lambda: Entry.insert_from(
        Account.select(
            P.account,
            peewee.Value("capture", converter=False),
            P.amount,
            P.spent,
            peewee.Case(None, [(Account.draw_free, P.spent)], 0),
            Account.available + Account.held,
            P.hold,
            P.description,
            P.reference,
            P.now,
        ).where(Account.id == P.account),
        [
            Entry.account,
            Entry.kind,
            Entry.amount,
            Entry.spent,
            Entry.free_spent,
            Entry.balance_after,
            Entry.hold,
            Entry.description,
            Entry.reference,
            Entry.created_at,
        ],
    ).returning()
)
# A capture called with a hold id alone (not through ``charge()``).
HOLD_ACCOUNT = Prepared(
    lambda: (
        Hold.select(Hold.account, Hold.amount, Hold.description, Hold.reference, _follow_up)
        .join(Account)
        .where(Hold.id == P.hold)
    )
)
