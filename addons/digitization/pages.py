"""Page images for the form's viewer.

PDF pages are rendered with ``pdftoppm`` (poppler) to PNG, longest side
``DIGITIZATION_PAGE_SIZE`` pixels whatever the page's size, and kept in the
``digitization_page`` table so each page is rendered once. A PNG or JPEG is
its own page image; TIFF frames are converted to PNG (browsers show no TIFF).
Every file passes the extraction library's cheap guards first (page count,
decompression bombs), so a hostile upload never reaches a renderer.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import peewee
from flask import current_app
from PIL import Image

from addons.digitization.extract import ExtractionError, count_pages
from addons.digitization.extract.einvoice import (
    invoice_kind,
    looks_like_xml,
    parse_invoice_xml,
    pretty_xml,
)
from addons.digitization.extract.sandbox import check_inflated_sizes, limit_memory
from addons.digitization.extract.source import check_pixels
from addons.digitization.models import PageImage, file_data

RENDER_TIMEOUT = 60
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


class PageUnavailable(Exception):
    """The page cannot be shown; the message says why, for the user."""


def sniff_mimetype(data: bytes) -> str:
    """The type of an upload from its first bytes, never from its name."""
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    for magic, mimetype in _MAGIC:
        if data.startswith(magic):
            return mimetype
    if looks_like_xml(data):
        return XML
    return "application/octet-stream"


XML = "application/xml"
# What the viewer shows of an XML e-invoice instead of page images.
_XML_SUMMARY = ("vendor_name", "vendor_vat", "invoice_number", "invoice_date", "due_date",
                "currency", "untaxed_amount", "tax_amount", "total_amount", "iban",
                "payment_reference")  # fmt: skip


def xml_preview(data: bytes) -> dict | None:
    """What an XML e-invoice says, for the viewer: ``{"kind", "format", "fields":
    [(name, value)], "lines", "xml"}`` (the XML indented, to be shown escaped),
    or None when the file is not an e-invoice."""
    parsed = parse_invoice_xml(data)
    if parsed is None:
        return None
    syntax, values = parsed
    return {
        "kind": invoice_kind(data),
        "format": "UN/CEFACT CII" if syntax == "cii" else "UBL",
        "fields": [(name, values[name]) for name in _XML_SUMMARY if values.get(name)],
        "lines": len(values.get("lines") or []),
        "xml": pretty_xml(data) or "",
    }


def preview(data: bytes, max_pages: int | None = None) -> tuple[int, str]:
    """``(pages, "")`` for a file that can be shown, ``(0, why not)`` otherwise."""
    try:
        pages = count_pages(data, max_pages=max_pages)
        check_inflated_sizes(data)  # bounded work; a bomb is never handed to pdftoppm
        return pages, ""
    except ExtractionError as exc:
        return 0, exc.reason


def page_image(document_id: int, mimetype: str, page: int) -> tuple[bytes, str]:
    """``(image bytes, mimetype)`` of page ``page`` (from 1) of a document."""
    cached = PageImage.get_or_none((PageImage.document == document_id) & (PageImage.page == page))
    if cached is not None:
        return bytes(cached.data), "image/png"
    data = file_data(document_id)
    try:
        pages = count_pages(data, max_pages=current_app.config["DIGITIZATION_MAX_PAGES"])
        check_inflated_sizes(data)
    except ExtractionError as exc:
        raise PageUnavailable(exc.reason) from None
    if mimetype == XML:
        raise PageUnavailable("An XML e-invoice has no page image; its contents are shown instead.")
    if not 1 <= page <= pages:
        raise PageUnavailable(f"This document has {pages} page{'s' if pages > 1 else ''}.")
    if mimetype in ("image/png", "image/jpeg") and pages == 1:
        return data, mimetype
    size = int(current_app.config["DIGITIZATION_PAGE_SIZE"])
    png = (
        _render_pdf(data, page, size) if mimetype == "application/pdf" else _frame(data, page, size)
    )
    try:
        PageImage.insert(document=document_id, page=page, data=png).on_conflict_ignore().execute()
    except peewee.IntegrityError:  # the document was deleted meanwhile
        pass
    return png, "image/png"


def _render_pdf(data: bytes, page: int, size: int) -> bytes:
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise PageUnavailable("Page previews need poppler's pdftoppm on the server.")
    command = [binary, "-png", "-singlefile", "-f", str(page), "-l", str(page)]
    command += ["-scale-to", str(size), "-"]
    # No ``preexec_fn``: this runs in a web server's request thread, and the
    # child of a threaded process runs the parent's fork handlers before
    # ``exec`` (the host's waited on a lock another thread held). The memory
    # limit is set on the started process, which reads nothing until the
    # PDF is written to it.
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        limit_memory(pid=process.pid)
        stdout, _ = process.communicate(data, timeout=RENDER_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise PageUnavailable("This page took too long to render.") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    if process.returncode != 0 or not stdout.startswith(b"\x89PNG"):
        raise PageUnavailable("This page cannot be rendered.")
    return stdout


def _frame(data: bytes, page: int, size: int) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(page - 1)
            check_pixels(*image.size)  # every frame, not only the first
            frame = image.convert("RGB") if image.mode not in ("RGB", "L") else image.copy()
    except ExtractionError as exc:
        raise PageUnavailable(exc.reason) from None
    except Exception:
        raise PageUnavailable("This image cannot be rendered.") from None
    frame.thumbnail((size, size))
    out = io.BytesIO()
    frame.save(out, "PNG", optimize=True)
    return out.getvalue()
