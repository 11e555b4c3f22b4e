"""The types of document actions (``host.documents``): a printable
:class:`Document` of a record and the :class:`Recipient` it is for. A leaf
module, so the hook facade (``host.hookcalls``) can check what addons return
without importing the functions that call it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

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
