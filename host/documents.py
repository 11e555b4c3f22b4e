"""Document actions: addons that act on printable PDFs (``Send by post``), and
the addons whose records have such PDFs.

A record's owner exposes its documents with the ``record_documents`` hook: a
title, a file name, a function that renders the PDF when asked, and who the
document is for. An action provider answers ``document_actions`` with header
buttons, shown on every record that has a document; its view finds the
documents again with :func:`documents_of` or :func:`find_document`. Neither
side knows the other: Snailmail sends contacts' sheets and Digitization's
bills without either depending on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from host.hookcalls import hooks

if TYPE_CHECKING:  # pragma: no cover - typing only
    from host.models import Contact


@dataclass(frozen=True, kw_only=True)
class Recipient(Mapping):
    """Whom a document is for: a postal address with Odoo's partner field names
    (a mapping, as address libraries take it) and an email address."""

    name: str
    street: str = ""
    street2: str = ""
    zip: str = ""
    city: str = ""
    state: str = ""
    country_code: str = ""
    email: str = ""

    @classmethod
    def from_contact(cls, contact: Contact) -> Recipient:
        return cls(
            name=contact.display_name,
            street=contact.street,
            street2=contact.street2,
            zip=contact.zip,
            city=contact.city,
            country_code=contact.country,
            email=contact.email,
        )

    def __getitem__(self, key: str) -> str:
        if key not in _RECIPIENT_FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(_RECIPIENT_FIELDS)

    def __len__(self) -> int:
        return len(_RECIPIENT_FIELDS)


_RECIPIENT_FIELDS = tuple(f.name for f in fields(Recipient))


@dataclass(frozen=True, kw_only=True)
class Document:
    """A printable PDF of a record.

    ``render`` makes the PDF's bytes and is called only when an action needs
    them. ``recipient`` is a :class:`Recipient`, a function returning one
    (looked up only when asked), or ``None`` when the document is for nobody
    in particular. ``id`` is unique among the documents of all addons
    (``contact-sheet``, ``digitization-file``).
    """

    id: str
    title: str
    filename: str
    render: Callable[[], bytes]
    recipient: Recipient | Callable[[], Recipient | None] | None = None
    sequence: int = 10

    def __post_init__(self):
        if not self.id or not self.title:
            raise ValueError("Document needs an id and a title")
        if not self.filename.lower().endswith(".pdf"):
            raise ValueError(f"Document {self.id!r}: its filename must end in .pdf")

    def pdf(self) -> bytes:
        data = bytes(self.render())
        if not data.startswith(b"%PDF-"):
            raise ValueError(f"document {self.id!r} did not render a PDF")
        return data

    def get_recipient(self) -> Recipient | None:
        recipient = self.recipient
        return recipient() if callable(recipient) else recipient


def load_record(model: str, res_id: int):
    """The record named by ``model`` and ``res_id`` (types registered with
    :func:`host.register_chatter_model`), or ``None`` (also when the request's
    user may not see it)."""
    from host.chatter import model_class, visible_to_user

    table = model_class(model)
    if table is None:
        return None
    record = table.get_or_none(table.id == res_id)
    if record is None or getattr(record, "model_name", model) != model:
        return None
    return record if visible_to_user(model, record) else None


def documents_of(model: str, res_id: int) -> list[Document]:
    """A record's printable documents, from every enabled addon. Raises
    ``LookupError`` when the record does not exist."""
    record = load_record(model, res_id)
    if record is None:
        raise LookupError(f"This record does not exist ({model} {res_id}).")
    return hooks().record_documents(model=model, record=record)


def find_document(model: str, res_id: int, document_id: str) -> Document:
    """One of a record's documents; ``LookupError`` if the record or the
    document is gone (its addon disabled, the file deleted)."""
    for document in documents_of(model, res_id):
        if document.id == document_id:
            return document
    raise LookupError("This document is not available any more.")


def actions_offered() -> bool:
    """Whether an enabled addon offers document actions: if none does, a
    form does not ask for its documents at all."""
    return hooks().document_actions_offered()


def action_buttons(model: str, record) -> list:
    """The document actions' header buttons for a saved record."""
    if getattr(record, "id", None) is None or not actions_offered():
        return []
    documents = hooks().record_documents(model=model, record=record)
    if not documents:
        return []
    return hooks().document_actions(model=model, record=record, documents=documents)
