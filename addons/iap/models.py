"""The iap addon's tables. The rules that change them live in ``ledger``."""

from __future__ import annotations

import peewee

from host import BaseModel, DecimalAsIntegerField, utcnow


class Account(BaseModel):
    """One per service. ``available`` can be spent; ``held`` is reserved by
    live holds. Together they are the balance, the credits the lots hold and
    the journal adds up to: a hold moves credits from one to the other
    without a journal entry, everything else that changes them writes one.

    ``next_expiry`` is no later than the soonest date of a lot with credits
    left: while it is in the future a hold can trust ``available`` without
    reading the lots.

    ``live_from`` is no larger than the id of any live hold of the account:
    its live holds are read from there up, along the holds' primary key,
    and no index of live holds is written by every charge (iap migration 4).
    A capture that leaves nothing held moves it past its hold; the sweeper
    moves it to the first hold still live.

    ``draw_lot`` is the lot captures take from first (the first with credits
    in draw-down order), or ``None`` when not known; while it is set, that
    lot's credits are ``draw_room`` here, not its row's ``remaining``, so a
    capture that it covers writes the account's row alone (iap migration 5).
    Whatever changes the lots (a grant, a refund, an expiry, a capture it
    does not cover) first writes ``draw_room`` back to the lot and clears it:
    read a lot's credits with ``audit.lot_credits``."""

    service = peewee.CharField(max_length=64, unique=True)
    available = DecimalAsIntegerField(default=0, constraints=[peewee.Check("available >= 0")])
    held = DecimalAsIntegerField(default=0, constraints=[peewee.Check("held >= 0")])
    next_expiry = peewee.DateTimeField(null=True)
    live_from = peewee.BigIntegerField(default=0)
    # Not a foreign key: the lots already point at their account.
    draw_lot = peewee.BigIntegerField(null=True)
    draw_room = DecimalAsIntegerField(default=0, constraints=[peewee.Check("draw_room >= 0")])
    draw_free = peewee.BooleanField(default=False)
    trial_granted = peewee.BooleanField(default=False)
    alert_enabled = peewee.BooleanField(default=False)
    alert_threshold = DecimalAsIntegerField(null=True)
    alert_email = peewee.CharField(max_length=254, default="")
    # Re-armed when the balance rises above the threshold again.
    alert_armed = peewee.BooleanField(default=True)
    topup_enabled = peewee.BooleanField(default=False)
    topup_below = DecimalAsIntegerField(null=True)
    topup_pack = peewee.CharField(max_length=64, default="")
    topup_max_per_month = peewee.IntegerField(default=3)
    saved_method = peewee.CharField(max_length=128, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "iap_account"


class Lot(BaseModel):
    """Credits that arrived together (a pack, a trial, a promotion).

    A capture takes credits from lots, a hold does not: a lot past its date
    keeps what the live holds may still take from it (see ``ledger``).
    ``empty`` is ``remaining == 0``, kept apart so that taking part of a
    lot does not touch the index of the lots with credits. The lot its
    account draws from (``Account.draw_lot``) has its credits counted on the
    account meanwhile."""

    account = peewee.ForeignKeyField(Account, backref="lots", on_delete="RESTRICT")
    kind = peewee.CharField(max_length=16)  # purchase, trial, promotion, adjustment
    free = peewee.BooleanField(default=False)
    amount = DecimalAsIntegerField()
    remaining = DecimalAsIntegerField(constraints=[peewee.Check("remaining >= 0")])
    empty = peewee.BooleanField(default=False)
    expires_at = peewee.DateTimeField(null=True)
    reason = peewee.CharField(max_length=255, default="")
    order_id = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "iap_lot"


# The draw-down order of ``statements.SPENDABLE_LOTS``, over the lots that
# still have credits: a capture reads the first lot and stops, however many
# there are (iap migrations 2 and 3).
Lot.add_index(
    Lot.index(
        Lot.account,
        Lot.expires_at.is_null(),
        Lot.expires_at,
        Lot.free.desc(),
        Lot.id,
        name="iap_lot_spendable",
        where=~Lot.empty,
    )
)


class Hold(BaseModel):
    """Credits reserved for work in progress, until captured or released.

    A hold names no lot: its capture takes from the lots then, and ``lot``
    is the one it took from when one lot paid it all (otherwise its
    ``HoldLot`` rows say which)."""

    # Indexed while live, below; not on its own.
    account = peewee.ForeignKeyField(Account, backref="holds", on_delete="RESTRICT", index=False)
    amount = DecimalAsIntegerField()
    captured = DecimalAsIntegerField(default=0)
    refunded = DecimalAsIntegerField(default=0)
    state = peewee.CharField(max_length=16, default="held")  # held, captured, released, expired
    expires_at = peewee.DateTimeField()
    description = peewee.CharField(max_length=255, default="")
    reference = peewee.CharField(max_length=128, null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    closed_at = peewee.DateTimeField(null=True)
    lot = peewee.ForeignKeyField(Lot, null=True, on_delete="RESTRICT", index=False)

    class Meta:
        table_name = "iap_hold"
        # No index of its own but the primary key: live holds are found
        # from their account's ``live_from``, closed ones by id.


class HoldLot(BaseModel):
    """How much of a capture each lot paid for, when it took from several
    (what a refund gives back)."""

    hold = peewee.ForeignKeyField(Hold, backref="allocations", on_delete="CASCADE")
    lot = peewee.ForeignKeyField(Lot, on_delete="RESTRICT")
    amount = DecimalAsIntegerField()
    free = peewee.BooleanField()
    rank = peewee.IntegerField()

    class Meta:
        table_name = "iap_hold_lot"


class Entry(BaseModel):
    """The journal. Append-only: never updated, never deleted.

    ``amount`` is the change of the balance (the credits owned, held or
    not) and ``balance_after`` the balance after it, so each entry follows
    from the one before. A hold owns nothing less: it has no entry; its
    capture has (``amount`` minus what it spent), and so has a release (0).
    ``spent`` is the credits consumed (captures positive, refunds negative),
    split into free and paid.
    """

    # Indexed by (account, created_at) below, not on its own.
    account = peewee.ForeignKeyField(Account, backref="entries", on_delete="RESTRICT", index=False)
    kind = peewee.CharField(max_length=16)
    amount = DecimalAsIntegerField()
    spent = DecimalAsIntegerField(default=0)
    free_spent = DecimalAsIntegerField(default=0)
    balance_after = DecimalAsIntegerField()
    # Read through the hold (its capture, a refund), never searched by.
    hold = peewee.ForeignKeyField(Hold, null=True, on_delete="RESTRICT", index=False)
    # Only grants and expiries name a lot: indexed where they do (below).
    lot = peewee.ForeignKeyField(Lot, null=True, on_delete="RESTRICT", index=False)
    description = peewee.CharField(max_length=255, default="")
    reference = peewee.CharField(max_length=128, null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "iap_entry"
        # The journal pages and the usage chart read by account and date;
        # every index here is written by every charge.
        indexes = ((("account", "created_at"), False),)


Entry.add_index(Entry.index(Entry.lot, name="iap_entry_lot_id", where=Entry.lot.is_null(False)))


class IdempotencyKey(BaseModel):
    key = peewee.CharField(max_length=200, unique=True)
    operation = peewee.CharField(max_length=32)
    fingerprint = peewee.CharField(max_length=64)
    result_id = peewee.IntegerField()
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "iap_idempotency"


class Order(BaseModel):
    """A pack bought through a payment provider. Credited exactly once."""

    account = peewee.ForeignKeyField(Account, backref="orders", on_delete="RESTRICT")
    pack = peewee.CharField(max_length=64)
    pack_name = peewee.CharField(max_length=128)
    credits = DecimalAsIntegerField()
    price = DecimalAsIntegerField(places=2)
    currency = peewee.CharField(max_length=3, default="EUR")
    provider = peewee.CharField(max_length=32)
    provider_ref = peewee.CharField(max_length=255, null=True, unique=True)
    token = peewee.CharField(max_length=64, unique=True)
    # pending, paid, failed, canceled, disputed (paid another amount: see error)
    state = peewee.CharField(max_length=16, default="pending")
    origin = peewee.CharField(max_length=16, default="manual")  # manual, auto
    # The buyer asked to keep the card for automatic top-ups (providers that
    # save it at checkout: Stripe).
    save_method = peewee.BooleanField(default=False)
    error = peewee.CharField(max_length=255, default="")
    created_by = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    paid_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "iap_order"


MODELS = [Account, Lot, Hold, HoldLot, Entry, IdempotencyKey, Order]
