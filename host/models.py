"""The host's own tables: users, addon states, contacts, chatter, mail, settings."""

from __future__ import annotations

import json

import peewee
from flask import has_request_context, request
from werkzeug.security import check_password_hash, generate_password_hash

from host.db import BaseModel, utcnow


class User(BaseModel):
    email = peewee.CharField(max_length=254, unique=True)
    name = peewee.CharField(max_length=128)
    password_hash = peewee.CharField(max_length=255)
    is_admin = peewee.BooleanField(default=False)
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "host_user"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:  # never the hash
        return f"<User {self.email}>"


class UserSession(BaseModel):
    """A user's session version: every session cookie carries the version it
    was opened at, and bumping it (logout, password change, deactivation)
    ends every copy of every cookie at once."""

    user = peewee.ForeignKeyField(User, primary_key=True, on_delete="CASCADE")
    version = peewee.IntegerField(default=0)

    class Meta:
        table_name = "host_user_session"


class UserAccess(BaseModel):
    """A user's access group in one addon, chosen by an administrator on the
    Users page. Missing row: the addon's default group; ``group`` empty: no
    access."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    addon = peewee.CharField(max_length=64)
    group = peewee.CharField(max_length=64, default="")

    class Meta:
        table_name = "host_user_access"
        primary_key = peewee.CompositeKey("user", "addon")


class AddonState(BaseModel):
    """Whether an admin enabled an addon. Missing row: never enabled."""

    name = peewee.CharField(max_length=64, primary_key=True)
    enabled = peewee.BooleanField(default=False)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "host_addon_state"


class Setting(BaseModel):
    """Company-wide settings as text (``company_country``…)."""

    key = peewee.CharField(max_length=128, primary_key=True)
    value = peewee.TextField(default="")

    class Meta:
        table_name = "host_setting"

    @classmethod
    def read(cls, key: str, default: str = "") -> str:
        row = cls.get_or_none(cls.key == key)
        return row.value if row is not None else default

    @classmethod
    def saved(cls, key: str) -> str | None:
        """The saved text of ``key`` (None when never saved), read once per
        request: a page asks for an addon's switch in several hooks and in its
        ``after_request``, and each read was one more statement per page."""
        memo = _request_memo()
        if memo is not None and key in memo:
            return memo[key]
        row = cls.get_or_none(cls.key == key)
        value = None if row is None else row.value
        if memo is not None:
            memo[key] = value
        return value

    @classmethod
    def remember(cls, values: dict[str, str | None]) -> None:
        """Keep ``values`` (key -> saved text, None for never saved), read in
        bulk, as this request's answers of :meth:`saved` (the addon registry
        reads the addons' settings with the enabled addons, in one statement)."""
        memo = _request_memo()
        if memo is not None:
            memo.update(values)

    @classmethod
    def write(cls, key: str, value: str) -> None:
        cls.insert(key=key, value=value).on_conflict(
            conflict_target=[cls.key], update={cls.value: value}
        ).execute()
        memo = _request_memo()
        if memo is not None:
            memo.pop(key, None)  # read again, even if the transaction rolls back


def _request_memo() -> dict | None:
    """Settings read in this request (not per app context: tests keep one
    app context across many writes and reads)."""
    if not has_request_context():
        return None
    return request.environ.setdefault("iap_host.settings", {})


class Contact(BaseModel):
    name = peewee.CharField(max_length=128)
    company_name = peewee.CharField(max_length=128, default="")
    is_company = peewee.BooleanField(default=False)
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=32, default="")
    mobile = peewee.CharField(max_length=32, default="")
    street = peewee.CharField(max_length=128, default="")
    street2 = peewee.CharField(max_length=128, default="")
    city = peewee.CharField(max_length=64, default="")
    zip = peewee.CharField(max_length=16, default="")
    country = peewee.CharField(max_length=2, default="")
    vat = peewee.CharField(max_length=32, default="")
    website = peewee.CharField(max_length=255, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "host_contact"

    model_name = "contact"

    @property
    def display_name(self) -> str:
        if self.company_name and not self.is_company:
            return f"{self.company_name}, {self.name}"
        return self.name

    # For addons that read contacts in their own SQL (a mass SMS plans ten
    # thousand recipients in one statement): the table and display_name.

    @classmethod
    def sql_table(cls) -> str:
        """The contacts' table name, for ``FROM``/``JOIN`` in an addon's SQL."""
        return cls._meta.table_name

    @staticmethod
    def display_name_sql(alias: str) -> str:
        """:attr:`display_name` as an SQL expression over the contact row ``alias``."""
        c = alias
        return (
            f"CASE WHEN COALESCE({c}.company_name, '') <> '' AND NOT {c}.is_company "
            f"THEN {c}.company_name || ', ' || {c}.name ELSE {c}.name END"
        )


class Message(BaseModel):
    """One entry of a record's chatter.

    ``kind`` says what it is (``note``, ``sms``, ``letter``, ``log``);
    ``state`` follows an outgoing message's delivery, with ``state_detail``
    explaining a failure.
    """

    model = peewee.CharField(max_length=64)
    res_id = peewee.IntegerField()
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    body = peewee.TextField()
    kind = peewee.CharField(max_length=32, default="note")
    state = peewee.CharField(max_length=32, default="")
    state_detail = peewee.CharField(max_length=255, default="")
    meta = peewee.TextField(default="{}")

    class Meta:
        table_name = "host_message"
        indexes = ((("model", "res_id", "created_at"), False),)

    @property
    def meta_dict(self) -> dict:
        return json.loads(self.meta or "{}")


class Attachment(BaseModel):
    model = peewee.CharField(max_length=64)
    res_id = peewee.IntegerField()
    message = peewee.ForeignKeyField(Message, null=True, backref="attachments", on_delete="CASCADE")
    filename = peewee.CharField(max_length=255)
    mimetype = peewee.CharField(max_length=128, default="application/octet-stream")
    size = peewee.IntegerField(default=0)
    data = peewee.BlobField()
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "host_attachment"
        indexes = ((("model", "res_id"), False),)


class MailMessage(BaseModel):
    """An outgoing email. It is stored before it is sent, so none is lost."""

    to = peewee.CharField(max_length=254)
    subject = peewee.CharField(max_length=255)
    body = peewee.TextField()
    html = peewee.TextField(default="")
    state = peewee.CharField(max_length=16, default="queued")  # queued, sent, outbox
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.CharField(max_length=255, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    sent_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "host_mail"


class MailAttachment(BaseModel):
    """A file sent with an outgoing mail (a signed PDF), kept with it until delivered."""

    mail = peewee.ForeignKeyField(MailMessage, backref="attachments", on_delete="CASCADE")
    filename = peewee.CharField(max_length=255)
    mimetype = peewee.CharField(max_length=100, default="application/octet-stream")
    data = peewee.BlobField()

    class Meta:
        table_name = "host_mail_attachment"


class LoginFailure(BaseModel):
    """A failed login, kept a while to slow down password guessing."""

    email = peewee.CharField(max_length=254, index=True)
    address = peewee.CharField(max_length=64, index=True)
    created_at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "host_login_failure"


class RateCounter(BaseModel):
    """Calls of one client to one public endpoint in one time window."""

    key = peewee.CharField(max_length=200)
    window = peewee.BigIntegerField(index=True)
    hits = peewee.IntegerField(default=1)

    class Meta:
        table_name = "host_rate_counter"
        primary_key = peewee.CompositeKey("key", "window")


class MailTemplateText(BaseModel):
    """An administrator's wording of a mail template (``host.MailTemplate``);
    without a row, the addon's default wording is used."""

    key = peewee.CharField(max_length=64, primary_key=True)
    subject = peewee.CharField(max_length=255)
    body = peewee.TextField()
    updated_at = peewee.DateTimeField(default=utcnow)
    updated_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "host_mail_template"


HOST_MODELS = [
    User,
    UserSession,
    UserAccess,
    AddonState,
    Setting,
    Contact,
    Message,
    Attachment,
    MailMessage,
    MailAttachment,
    LoginFailure,
    RateCounter,
    MailTemplateText,
]
