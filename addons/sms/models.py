"""The sms addon's tables. The rules that change a message's state live in ``sending``."""

from __future__ import annotations

import json

import peewee

from host import BaseModel, Contact, DecimalAsIntegerField, User, utcnow


class SmsBatch(BaseModel):
    """A mass SMS: a selection of contacts, then one message per recipient.

    ``draft`` while the composer is open, ``queued`` and ``sending`` while the
    job works, then ``done`` or ``canceled``.
    """

    body = peewee.TextField(default="")
    state = peewee.CharField(max_length=16, default="draft")
    # The selection as it was when the bulk action ran (contact ids, JSON).
    contact_ids = peewee.TextField(default="[]")
    log_chatter = peewee.BooleanField(default=False)
    # Cached by the composer for the live cost preview: valid recipients, and
    # the credits of one part sent to all of them.
    recipients = peewee.IntegerField(default=0)
    per_part_total = DecimalAsIntegerField(default=0)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)
    started_at = peewee.DateTimeField(null=True)
    done_at = peewee.DateTimeField(null=True)
    # Set by the job before each chunk; a batch left ``sending`` with an old
    # one lost its worker, and ``recovery.resume_batches`` picks it up.
    heartbeat_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "sms_batch"

    @property
    def contact_id_list(self) -> list[int]:
        return [int(i) for i in json.loads(self.contact_ids or "[]")]


class SmsMessage(BaseModel):
    """One SMS to one number, from the composer or a batch.

    ``credits`` is the price when it was queued; ``charged`` what was
    captured for it (0 until the gateway accepted it).
    """

    batch = peewee.ForeignKeyField(SmsBatch, null=True, on_delete="CASCADE", backref="messages")
    contact = peewee.ForeignKeyField(Contact, null=True, on_delete="SET NULL", backref="+")
    chatter_message_id = peewee.IntegerField(null=True)
    recipient_name = peewee.CharField(max_length=128, default="")
    number_raw = peewee.CharField(max_length=64, default="")
    number = peewee.CharField(max_length=20, default="", index=True)
    country = peewee.CharField(max_length=2, default="")
    body = peewee.TextField()
    encoding = peewee.CharField(max_length=8, default="GSM-7")
    parts = peewee.IntegerField(default=0)
    credits = DecimalAsIntegerField(default=0)
    charged = DecimalAsIntegerField(default=0)
    state = peewee.CharField(max_length=16, default="in_queue")
    failure_type = peewee.CharField(max_length=32, default="")
    failure_reason = peewee.CharField(max_length=255, default="")
    gateway = peewee.CharField(max_length=32, default="")
    provider_id = peewee.CharField(max_length=64, null=True, unique=True)
    # The composer's one-time token: a double submit finds the first message.
    token = peewee.CharField(max_length=64, null=True, unique=True)
    attempts = peewee.IntegerField(default=0)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    sent_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "sms_message"


# The messages a batch's job still has to send, and only those: a message
# leaves this index when it is claimed, and its later state changes (sent,
# delivered: three writes per message of a mass SMS) touch no index at all.
# Queries that use it spell the state as a literal (``PENDING``): a bound
# parameter would not tell the planner that the index covers them.
PENDING = peewee.SQL("'in_queue'")
SmsMessage.add_index(
    SmsMessage.index(SmsMessage.batch, SmsMessage.id, where=SmsMessage.state == PENDING)
)
# Single SMS handed to the gateway and not recorded sent yet: a handful at any
# time, looked for when their process died (``recovery.fail_lost_singles``).
# (``COALESCE(batch_id, 0) = 0`` rather than ``batch_id IS NULL``: the latter
# would have SQLite prefer the index on ``batch_id``, i.e. every single SMS.)
PROCESSING = peewee.SQL("'processing'")
LOST_SINGLE = (SmsMessage.state == PROCESSING) & (
    peewee.fn.COALESCE(SmsMessage.batch, peewee.SQL("0")) == peewee.SQL("0")
)
SmsMessage.add_index(SmsMessage.index(SmsMessage.updated_at, where=LOST_SINGLE))


class SmsContactNumber(BaseModel):
    """The number a mass SMS sends a contact to, validated when the contact
    was saved (``contact_numbers``): its mobile, else its phone, in E.164,
    with its country, or why it cannot receive an SMS.

    ``mobile``, ``phone``, ``contact_country`` and ``company_country`` are what
    it was read from: a row that does not match them any more is stale and is
    read again before use. The two reasons are the refusals to show should
    the country have no price or the number be blacklisted when it is used.
    """

    contact = peewee.ForeignKeyField(
        Contact, primary_key=True, on_delete="CASCADE", backref="+", column_name="contact_id"
    )
    mobile = peewee.TextField(default="")
    phone = peewee.TextField(default="")
    contact_country = peewee.CharField(max_length=2, default="")
    company_country = peewee.CharField(max_length=2, default="")
    number_raw = peewee.CharField(max_length=64, default="")
    number = peewee.CharField(max_length=20, default="")
    country = peewee.CharField(max_length=2, default="")
    failure_type = peewee.CharField(max_length=32, default="")
    failure_reason = peewee.CharField(max_length=255, default="")
    unsupported_reason = peewee.CharField(max_length=255, default="")
    blacklisted_reason = peewee.CharField(max_length=255, default="")
    checked_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sms_contact_number"


class SmsBlacklist(BaseModel):
    """Numbers (E.164) that never receive an SMS: opted out, or added by an admin."""

    number = peewee.CharField(max_length=20, unique=True)
    reason = peewee.CharField(max_length=255, default="")
    source = peewee.CharField(max_length=16, default="manual")  # manual, reply, gateway
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sms_blacklist"


class SmsInboundReply(BaseModel):
    """A reply already acted upon, by the provider's message id: a replayed
    signed START must not undo a later STOP."""

    sid = peewee.CharField(max_length=64, unique=True)
    number = peewee.CharField(max_length=20)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sms_inbound_reply"


class SmsPrice(BaseModel):
    """An admin's price for a country, over the table shipped in ``data/prices.csv``."""

    country = peewee.CharField(max_length=2, primary_key=True)
    credits_per_part = DecimalAsIntegerField()
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sms_price"


class SmsDefaultPrice(BaseModel):
    """The table shipped in ``data/prices.csv``, copied into the database so a
    mass SMS prices its recipients in SQL (``pricing.sync_default_prices``)."""

    country = peewee.CharField(max_length=2, primary_key=True)
    credits_per_part = DecimalAsIntegerField()

    class Meta:
        table_name = "sms_default_price"


MODELS = [
    SmsBatch,
    SmsContactNumber,
    SmsMessage,
    SmsBlacklist,
    SmsInboundReply,
    SmsPrice,
    SmsDefaultPrice,
]
