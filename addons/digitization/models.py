"""The digitization addon's tables. State changes live in ``documents`` and ``digitizing``."""

from __future__ import annotations

import json

import peewee

from addons.digitization.kinds import KINDS
from host import BaseModel, Contact, DecimalAsIntegerField, User, is_postgres, utcnow

STATES = {
    "draft": "Draft",
    "waiting": "Waiting",
    "processing": "Processing",
    "no_credit": "Waiting for credits",
    "to_validate": "To validate",
    "done": "Done",
    "failed": "Failed",
}
# The job has the document: the list and the form poll until it lets go.
BUSY = frozenset({"waiting", "processing"})
# States from which Digitize (or Retry) queues the document.
QUEUEABLE = frozenset({"draft", "failed", "no_credit"})
# States in which a user may correct fields and validate.
EDITABLE = frozenset({"draft", "to_validate", "failed", "no_credit"})


class _IdNeverReused(peewee.AutoField):
    """SQLite hands the largest id out again after it is deleted; AUTOINCREMENT
    stops that, so ``digitization:<id>:<attempt>`` idempotency keys stay unique.
    PostgreSQL sequences never reuse a value."""

    def ddl(self, ctx):
        node = super().ddl(ctx)
        return node if is_postgres() else peewee.NodeList((node, peewee.SQL("AUTOINCREMENT")))


class Batch(BaseModel):
    """Documents queued together (an upload, a bulk Digitize), for the progress bar."""

    id = _IdNeverReused()
    kind = peewee.CharField(max_length=16)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "digitization_batch"


class Document(BaseModel):
    """One uploaded file and what was read from it.

    ``extracted`` keeps the library's answer untouched (value, confidence,
    candidates, page and box per field); ``corrections`` holds the values a
    user changed. The columns below them (name, number, date, total…) hold the
    current value, corrected or extracted, for lists, search and duplicates.
    """

    id = _IdNeverReused()
    kind = peewee.CharField(max_length=16, index=True)
    filename = peewee.CharField(max_length=255)
    mimetype = peewee.CharField(max_length=64, default="application/octet-stream")
    size = peewee.IntegerField(default=0)
    pages = peewee.IntegerField(default=0)
    state = peewee.CharField(max_length=16, default="draft", index=True)
    failure_code = peewee.CharField(max_length=32, default="")
    failure_reason = peewee.CharField(max_length=255, default="")
    # Each Digitize/Retry is a new attempt: it names the charge's idempotency key.
    attempts = peewee.IntegerField(default=0)
    charged = DecimalAsIntegerField(default=0)
    origin = peewee.CharField(max_length=8, default="")
    extracted = peewee.TextField(default="{}")
    corrections = peewee.TextField(default="{}")
    name = peewee.CharField(max_length=255, default="")
    vat = peewee.CharField(max_length=32, default="")
    number = peewee.CharField(max_length=64, default="")
    date = peewee.CharField(max_length=10, default="")
    total = peewee.CharField(max_length=32, default="")
    currency = peewee.CharField(max_length=3, default="")
    contact = peewee.ForeignKeyField(Contact, null=True, on_delete="SET NULL", backref="+")
    # How ``contact`` was found: vat, name, created (on Validate), or "".
    contact_match = peewee.CharField(max_length=8, default="")
    duplicate_of = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL", backref="+")
    batch = peewee.ForeignKeyField(Batch, null=True, on_delete="SET NULL", backref="documents")
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    validated_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    digitized_at = peewee.DateTimeField(null=True)
    validated_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "digitization_document"
        indexes = ((("kind", "state"), False), (("kind", "number"), False))

    @property
    def model_name(self) -> str:
        return KINDS[self.kind].model

    @property
    def kind_info(self):
        return KINDS[self.kind]

    @property
    def display_name(self) -> str:
        return self.name or self.filename

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def busy(self) -> bool:
        return self.state in BUSY

    @property
    def extracted_fields(self) -> dict:
        return json.loads(self.extracted or "{}")

    @property
    def corrected_values(self) -> dict:
        return json.loads(self.corrections or "{}")

    def values(self) -> dict:
        """Each field's current value: the correction, else the extracted value."""
        values = {name: f.get("value") for name, f in self.extracted_fields.items()}
        values.update(self.corrected_values)
        return values


class DocumentFile(BaseModel):
    """The uploaded bytes and the text read from them, apart so that lists never load them."""

    document = peewee.ForeignKeyField(Document, primary_key=True, on_delete="CASCADE", backref="+")
    data = peewee.BlobField()
    text = peewee.TextField(default="")

    class Meta:
        table_name = "digitization_file"


class PageImage(BaseModel):
    """A page rendered to PNG for the form's viewer, kept so it is rendered once."""

    document = peewee.ForeignKeyField(Document, on_delete="CASCADE", backref="+")
    page = peewee.IntegerField()
    data = peewee.BlobField()
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "digitization_page"
        indexes = ((("document", "page"), True),)


MODELS = [Batch, Document, DocumentFile, PageImage]


def file_data(document_id: int) -> bytes:
    row = DocumentFile.get_or_none(DocumentFile.document == document_id)
    return bytes(row.data) if row is not None else b""
