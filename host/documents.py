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

from host.document_types import Document, Recipient
from host.hookcalls import hooks

__all__ = [
    "Document",
    "Recipient",
    "action_buttons",
    "actions_offered",
    "documents_of",
    "find_document",
    "load_record",
]


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
