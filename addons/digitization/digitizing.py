"""Digitizing one document: the claim, the guards, the charge and the extraction.

States move: draft → waiting → processing → to_validate (→ done on Validate),
or processing → failed (with a reason) or no_credit; Retry queues a failed or
no_credit document again as a new attempt. Each change is a conditional update,
so two workers never process the same document.

Charging: the file first passes the library's cheap guards (empty, not a PDF,
encrypted, too many pages, decompression bomb…) without any charge. Then
``charge()`` holds the document's credits while the extraction runs and its
result is stored; the hold is captured only when both succeed. An
``ExtractionError`` or any other failure inside the body releases the hold, so
an unreadable document costs nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal

from flask import current_app

from addons.digitization import config, matching
from addons.digitization.extract import ExtractionError
from addons.digitization.extract.sandbox import count_pages, extract  # limits, in a child
from addons.digitization.fields import low_confidence
from addons.digitization.kinds import KINDS
from addons.digitization.models import Document, DocumentFile, file_data
from addons.iap import HoldClosedError, InsufficientCreditError, charge
from host import db, post_message, utcnow

log = logging.getLogger(__name__)

SERVICE = "digitization"
UNEXPECTED = (
    "An unexpected error stopped the digitization; no credit was used. "
    "Click Retry, or contact your administrator if it happens again."
)
INTERRUPTED = "The digitization was interrupted (the server restarted); no credit was used."


def claim(document_id: int) -> bool:
    """Take a waiting document; False if another worker has it or it was not queued."""
    changed = (
        Document.update(state="processing", attempts=Document.attempts + 1, updated_at=utcnow())
        .where((Document.id == document_id) & (Document.state == "waiting"))
        .execute()
    )
    return bool(changed)


def run(document_id: int) -> str:
    """Digitize a waiting document; returns the state it ended in."""
    if not claim(document_id):
        row = Document.get_or_none(Document.id == document_id)
        return row.state if row is not None else "deleted"
    document = Document.get_by_id(document_id)
    try:
        return _digitize(document)
    except Exception:  # never leave a document processing because of a bug
        log.exception("digitization of document %s failed", document_id)
        return fail(document, "error", UNEXPECTED)


def _digitize(document: Document) -> str:
    kind = KINDS[document.kind]
    data = file_data(document.id)
    max_pages = current_app.config["DIGITIZATION_MAX_PAGES"]
    try:
        pages = count_pages(data, max_pages=max_pages)
    except ExtractionError as exc:
        return fail(document, exc.code, exc.reason)
    credits = config.credits(kind.key)
    captured = False
    try:
        with charge(
            SERVICE,
            credits,
            description=f"Digitization of {kind.singular.lower()} {document.filename}"[:255],
            reference=f"digitization.document:{document.id}",
            idempotency_key=f"digitization:{document.id}:{document.attempts}",
        ) as tx:
            result = extract(
                data,
                kind.extract_kind,
                max_pages=max_pages,
                ocr_workers=current_app.config["DIGITIZATION_OCR_WORKERS"],
            )
            _store(document, result, pages)
            captured = not tx.replayed
    except InsufficientCreditError as exc:
        return _no_credit(document, exc)
    except ExtractionError as exc:
        return fail(document, exc.code, exc.reason)
    except HoldClosedError:
        # The result is stored, but the hold expired before the capture: the
        # work is done and stays free rather than being charged twice later.
        log.warning("digitization hold of document %s closed before capture", document.id)
        captured = False
    if captured and credits > 0:
        Document.update(charged=Document.charged + credits).where(
            Document.id == document.id
        ).execute()
    document = Document.get_by_id(document.id)
    _post(document, _digitized_note(document, credits if captured else Decimal(0)))
    return document.state


def _store(document: Document, result: dict, pages: int) -> None:
    with db.atomic():
        changed = (
            Document.update(
                state="to_validate",
                failure_code="",
                failure_reason="",
                pages=result.get("pages") or pages,
                origin=result.get("origin", "")[:8],
                extracted=json.dumps(result["fields"]),
                corrections="{}",
                digitized_at=utcnow(),
                updated_at=utcnow(),
            )
            .where((Document.id == document.id) & (Document.state == "processing"))
            .execute()
        )
        if not changed:  # deleted meanwhile: raising releases the hold
            raise LookupError(f"document {document.id} is no longer processing")
        DocumentFile.update(text=result.get("text", "")).where(
            DocumentFile.document == document.id
        ).execute()
        matching.refresh_columns(Document.get_by_id(document.id), match_vendor=True)


def fail(document: Document, code: str, reason: str) -> str:
    changed = (
        Document.update(
            state="failed", failure_code=code, failure_reason=reason[:255], updated_at=utcnow()
        )
        .where((Document.id == document.id) & (Document.state == "processing"))
        .execute()
    )
    if changed:
        _post(document, f"Digitization failed: {reason} No credit was used.")
    return "failed"


def _no_credit(document: Document, exc: InsufficientCreditError) -> str:
    changed = (
        Document.update(
            state="no_credit",
            failure_code="no_credit",
            failure_reason=str(exc)[:255],
            updated_at=utcnow(),
        )
        .where((Document.id == document.id) & (Document.state == "processing"))
        .execute()
    )
    if changed:
        _post(
            document,
            f"Not digitized: not enough credits ({_plain(exc.required)} needed, "
            f"{_plain(exc.available)} available). Buy credits, then click Retry.",
        )
    return "no_credit"


def fail_stuck() -> int:
    """Fail documents left processing by a worker that died (a periodic job)."""
    limit = utcnow() - dt.timedelta(seconds=current_app.config["DIGITIZATION_STUCK_AFTER"])
    stuck = Document.select().where(
        (Document.state == "processing") & (Document.updated_at <= limit)
    )
    return sum(fail(document, "interrupted", INTERRUPTED) == "failed" for document in stuck)


def _digitized_note(document: Document, credits: Decimal) -> str:
    fields = document.extracted_fields
    read = [f for f in fields.values() if f.get("value") not in (None, "", [])]
    check = sum(low_confidence(f) for f in fields.values())
    cost = f"{_plain(credits)} credit{'s' if credits != 1 else ''} used" if credits else "free"
    note = f"Digitized: {len(read)} of {len(fields)} fields read"
    if check:
        note += f", {check} to check"
    note += f" ({cost})."
    if document.duplicate_of_id:
        note += f" Possible duplicate of document #{document.duplicate_of_id}."
    return note


def _post(document: Document, body: str) -> None:
    post_message(model=KINDS[document.kind].model, res_id=document.id, body=body, kind="log")


def _plain(amount) -> str:
    text = f"{Decimal(amount):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
