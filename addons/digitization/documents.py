"""What users do to documents: upload, queue, correct, validate, reopen, delete.

Views call these and never change a document's state themselves. The job's
side (claim, charge, extraction) is in :mod:`addons.digitization.digitizing`.
"""

from __future__ import annotations

import json

from flask import current_app

from addons.digitization import config, fields, jobs, matching
from addons.digitization.kinds import Kind
from addons.digitization.models import (
    BUSY,
    EDITABLE,
    QUEUEABLE,
    Batch,
    Document,
    DocumentFile,
)
from host import User, db, delete_chatter, locked, post_message, utcnow, write_transaction


class Refused(Exception):
    """The action cannot be done now; the message is for the user."""


# -- upload and queue -------------------------------------------------------------


def clean_filename(raw: str | None) -> str:
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[-255:]


# What an upload may be, told by its first bytes (pages.sniff_mimetype); kinds read
# as bills also take a bare e-invoice XML, checked by its structure.
ACCEPTED_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff")
ACCEPTED_LABEL = "PDF, PNG, JPEG or TIFF"
XML_TYPE = "application/xml"
XML_LABEL = "PDF, PNG, JPEG, TIFF or e-invoice XML (CII or UBL)"


def takes_xml(kind: Kind) -> bool:
    return kind.extract_kind == "bill"


def accepted_label(kind: Kind) -> str:
    return XML_LABEL if takes_xml(kind) else ACCEPTED_LABEL


def _refusal(kind: Kind, data: bytes) -> str | None:
    """Why ``data`` cannot be uploaded as a ``kind`` (a sentence), or None."""
    from addons.digitization.extract.einvoice import invoice_kind
    from addons.digitization.pages import sniff_mimetype

    mimetype = sniff_mimetype(data)
    if mimetype in ACCEPTED_TYPES:
        return None
    if mimetype == XML_TYPE:
        if not takes_xml(kind):
            return (
                f"an XML file is read only as an e-invoice, among vendor bills. "
                f"Upload {ACCEPTED_LABEL} files."
            )
        if invoice_kind(data) is None:
            return (
                "this XML file is not an e-invoice (a Factur-X, ZUGFeRD or XRechnung CII, or "
                "a UBL or Peppol invoice or credit note)."
            )
        return None
    why = "it is empty" if not data else "its type cannot be read"
    return f"{why}. Upload {accepted_label(kind)} files."


def upload(kind: Kind, files, user: User | None) -> tuple[list[Document], list[str]]:
    """One draft per file (``werkzeug`` ``FileStorage``s); queued at once when the
    kind digitizes on upload. Returns the documents and a message per refused file."""
    limit = current_app.config["DIGITIZATION_MAX_FILE_SIZE"]
    max_files = current_app.config["DIGITIZATION_MAX_FILES"]
    files = [f for f in files if f is not None and clean_filename(f.filename)]
    if len(files) > max_files:
        return [], [f"Upload at most {max_files} files at once; nothing was uploaded."]
    from addons.digitization.pages import sniff_mimetype

    accepted, errors = [], []
    for storage in files:
        name = clean_filename(storage.filename)
        data = storage.stream.read(limit + 1)
        if len(data) > limit:
            errors.append(f"{name} is larger than {_megabytes(limit)}; it was not uploaded.")
            continue
        refusal = _refusal(kind, data)
        if refusal:
            errors.append(f"{name} was not uploaded: {refusal}")
            continue
        accepted.append((name, data))

    created = []
    with write_transaction():
        for name, data in accepted:
            document = Document.create(
                kind=kind.key,
                filename=name,
                mimetype=sniff_mimetype(data),
                size=len(data),
                author=user,
            )
            DocumentFile.create(document=document, data=data)
            post_message(
                model=kind.model,
                res_id=document.id,
                body=f"Uploaded {name}.",
                kind="log",
                author=user,
            )
            created.append(document)
        if created and config.mode(kind.key) == "auto":
            queue(kind, [d.id for d in created], user)
    return created, errors


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def queue(kind: Kind, ids, user: User | None) -> list[int]:
    """Queue documents for digitization (Digitize, Retry, or on upload).

    Documents that are not draft, failed or waiting for credits are skipped.
    Raises :class:`Refused` when the kind is never digitized."""
    if config.mode(kind.key) == "never":
        raise Refused(
            f"Digitization of {kind.label.lower()} is turned off; an administrator can "
            "turn it on in Settings."
        )
    queued = []
    with write_transaction():
        batch = Batch.create(kind=kind.key, author=user)
        for document_id in ids:
            changed = (
                Document.update(
                    state="waiting",
                    batch=batch,
                    failure_code="",
                    failure_reason="",
                    updated_at=utcnow(),
                )
                .where(
                    (Document.id == document_id)
                    & (Document.kind == kind.key)
                    & Document.state.in_(list(QUEUEABLE))
                )
                .execute()
            )
            if changed:
                queued.append(document_id)
                jobs.digitize.delay(document_id)
        if not queued:
            batch.delete_instance()
    return queued


def progress(kind: Kind, visible=lambda query: query) -> dict | None:
    """``{"done", "total", "percent"}`` of the batches still running, or None.

    ``visible`` narrows a query of documents to the ones the user may see: a
    User's bar counts only their own documents, never a colleague's upload
    (a manager's bulk Digitize can put several users' documents in one batch).
    """
    running = visible(
        Batch.select(Batch.id)
        .join(Document)
        .where((Batch.kind == kind.key) & Document.state.in_(list(BUSY)))
        .distinct()
    )
    ids = [b.id for b in running]
    if not ids:
        return None
    total = visible(Document.select().where(Document.batch.in_(ids))).count()
    busy = visible(
        Document.select().where(Document.batch.in_(ids) & Document.state.in_(list(BUSY)))
    ).count()
    done = total - busy
    return {"done": done, "total": total, "percent": round(done * 100 / total) if total else 0}


# -- corrections and validation ---------------------------------------------------------


def save(document: Document, form, user: User | None, *, validate: bool = False) -> dict:
    """Store the corrections (and validate); returns errors by field, empty on success."""
    corrections, errors = fields.read_form(document, form)
    kind = document.kind_info
    if validate and not errors:
        merged = {name: f.get("value") for name, f in document.extracted_fields.items()}
        merged.update(corrections)
        if not merged.get(kind.name_field):
            label = kind.field(kind.name_field).label.lower()
            errors[kind.name_field] = f"A {kind.singular.lower()} needs a {label}."
    if errors:
        return errors
    with write_transaction():
        if validate:
            matching.take_vendor_turn()
        current = locked(Document.select().where(Document.id == document.id)).first()
        if current is None or current.state not in EDITABLE:
            raise Refused("This document cannot be changed now: reload the page.")
        changes = {"corrections": json.dumps(corrections), "updated_at": utcnow()}
        if validate:
            changes.update(state="done", validated_at=utcnow(), validated_by=user)
        Document.update(**changes).where(Document.id == document.id).execute()
        current = Document.get_by_id(document.id)
        vendor_note = matching.refresh_columns(current, match_vendor=True, create_vendor=validate)
        if validate:
            post_message(
                model=kind.model,
                res_id=document.id,
                body=_validated_note(current, vendor_note),
                kind="log",
                author=user,
            )
    return {}


def _validated_note(document: Document, vendor_note: str) -> str:
    kind = document.kind_info
    note = "Validated."
    corrected = [kind.field(n).label for n in kind.field_names if n in document.corrected_values]
    if corrected:
        note += f" Corrected: {', '.join(corrected)}."
    if vendor_note:
        note += f" {vendor_note}"
    if document.duplicate_of_id:
        note += f" Possible duplicate of document #{document.duplicate_of_id}."
    return note


def reopen(document: Document, user: User | None) -> None:
    changed = (
        Document.update(state="to_validate", updated_at=utcnow())
        .where((Document.id == document.id) & (Document.state == "done"))
        .execute()
    )
    if not changed:
        raise Refused("Only a validated document can be reset to To validate.")
    post_message(
        model=document.kind_info.model,
        res_id=document.id,
        body="Reset to To validate.",
        kind="log",
        author=user,
    )


def delete(document: Document) -> None:
    if document.busy:
        raise Refused("This document is being digitized; delete it when it is done.")
    with db.atomic():
        Document.update(duplicate_of=None).where(Document.duplicate_of == document.id).execute()
        delete_chatter(document.kind_info.model, [document.id])
        document.delete_instance()
