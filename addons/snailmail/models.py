"""The snailmail addon's tables. The rules that move a letter live in ``sending``."""

from __future__ import annotations

import json
import uuid

import peewee

from host import BaseModel, Contact, DecimalAsIntegerField, User, utcnow

# A letter's own state, as Odoo names it: ``pending`` (queued, or waiting for
# a retry), ``sending`` (a worker is handing it over), ``sent`` (the print
# shop took it), ``error`` (``error_code`` says why) and ``canceled``.
STATES = ("pending", "sending", "sent", "error", "canceled")


class Letter(BaseModel):
    """One letter to one address, and what the print shop did with it.

    ``credits`` is the price when it was last priced; ``charged`` what was
    captured for it (0 until the shop accepted it, and again after a refund).
    """

    uid = peewee.CharField(max_length=36, unique=True, default=lambda: str(uuid.uuid4()))
    model = peewee.CharField(max_length=64, default="contact")
    res_id = peewee.IntegerField(null=True)
    contact = peewee.ForeignKeyField(Contact, null=True, on_delete="SET NULL", backref="+")
    chatter_message_id = peewee.IntegerField(null=True)
    # The record's document it sends (``contact-sheet``…), whose recipient a
    # retry reads again; empty for a letter written or uploaded in the composer.
    document_id = peewee.CharField(max_length=64, default="")
    subject = peewee.CharField(max_length=255, default="")
    filename = peewee.CharField(max_length=255, default="letter.pdf")
    document = peewee.BlobField()
    printable = peewee.BlobField(null=True)
    address = peewee.TextField(default="{}")  # Odoo's partner field names, JSON
    color = peewee.BooleanField(default=False)
    duplex = peewee.BooleanField(default=False)
    cover = peewee.BooleanField(default=False)
    window = peewee.CharField(max_length=8, default="right")
    delivery = peewee.CharField(max_length=16, default="standard")
    pages = peewee.IntegerField(default=0)
    sheets = peewee.IntegerField(default=0)
    credits = DecimalAsIntegerField(default=0)
    charged = DecimalAsIntegerField(default=0)
    hold_id = peewee.IntegerField(null=True)
    state = peewee.CharField(max_length=16, default="pending", index=True)
    error_code = peewee.CharField(max_length=32, default="")
    error_message = peewee.CharField(max_length=512, default="")
    provider = peewee.CharField(max_length=32, default="")
    provider_id = peewee.CharField(max_length=64, null=True, unique=True)
    # The print shop's own state (``accepted``, ``printing``, ``sent``…) and when it last moved.
    shop_state = peewee.CharField(max_length=32, default="")
    shop_updated_at = peewee.DateTimeField(null=True)
    attempts = peewee.IntegerField(default=0)
    # UNKNOWN_ERROR failures in a row: the retry job waits longer after each,
    # and gives up at SNAILMAIL_UNKNOWN_RETRIES (a person's Retry starts afresh).
    unknown_errors = peewee.IntegerField(default=0)
    claimed_at = peewee.DateTimeField(null=True)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    sent_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "snailmail_letter"

    @property
    def address_dict(self) -> dict:
        return json.loads(self.address or "{}")

    @property
    def recipient(self) -> str:
        return self.address_dict.get("name", "")


class Price(BaseModel):
    """A row of the price table: shipped in ``data/prices.csv``, edited by admins.

    Credits for one letter = ``first_sheet`` + ``extra_sheet`` × (sheets − 1).
    """

    zone = peewee.CharField(max_length=16)
    delivery = peewee.CharField(max_length=16)
    color = peewee.BooleanField()
    first_sheet = DecimalAsIntegerField()
    extra_sheet = DecimalAsIntegerField()
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "snailmail_price"
        indexes = ((("zone", "delivery", "color"), True),)


class ShopEvent(BaseModel):
    """A signed webhook already applied, so a replay changes nothing."""

    event_id = peewee.CharField(max_length=128, unique=True)
    letter = peewee.ForeignKeyField(Letter, null=True, on_delete="CASCADE", backref="+")
    status = peewee.CharField(max_length=32, default="")
    received_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "snailmail_shop_event"


MODELS = [Letter, Price, ShopEvent]
