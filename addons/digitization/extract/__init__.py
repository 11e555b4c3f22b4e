"""Documents Digitization: OCR and field extraction for bills, receipts and resumes.

Public API::

    extract(source, kind="bill", *, max_pages=50, ocr_workers=None) -> dict
    count_pages(source) -> int
    ExtractionError  (ValueError with .code and a user-facing .reason)

``source`` is a path or bytes: a PDF (text layer read directly, and its pictures with
Tesseract while the name or the total is missing or unsure; embedded Factur-X /
ZUGFeRD / UBL XML read first for bills, fields it lacks read from the page), a bare
e-invoice XML (CII or UBL invoice or credit note; bills only), or a scan (image-only
PDF, PNG, JPEG, TIFF) read with Tesseract. ``extract`` returns::

    {"fields": {name: {"value": ..., "confidence": 0..1, "candidates": [...],
                       "page": n | None, "box": [x, y, w, h] | None}},
     "text": str, "pages": int, "origin": "xml" | "text" | "ocr" | "mixed"}

``box`` is relative to the page: x, y of the top-left corner and width, height, all in
0..1 (origin top-left). Field names per kind are in :data:`FIELDS`. Values are
normalised: dates ``YYYY-MM-DD``, amounts ``"1234.56"``, quantities ``"2"``/``"1.5"``,
currency ISO 4217, VAT numbers and IBANs compact (``BE0123456749``), phones E.164.
"""

from __future__ import annotations

from . import checks, pp_ocr
from .bill import extract_bill
from .context import Doc
from .einvoice import looks_like_xml, parse_invoice_xml, read_embedded_invoice
from .errors import CODES, ExtractionError
from .expense import extract_expense
from .layout import Page, Word, group_lines, page_text
from .ocr import PP_OCR, TESSERACT, ocr_regions, ocr_source
from .resume import extract_resume
from .source import DEFAULT_MAX_PAGES, MAX_IMAGE_PIXELS, load, read_bytes
from .text_layer import read_pages

__all__ = [
    "CODES",
    "DEFAULT_MAX_PAGES",
    "FIELDS",
    "MAX_IMAGE_PIXELS",
    "ExtractionError",
    "count_pages",
    "extract",
]

FIELDS = {
    "bill": (
        "vendor_name", "vendor_vat", "invoice_number", "invoice_date", "due_date", "currency",
        "untaxed_amount", "tax_amount", "total_amount", "iban", "payment_reference", "lines",
    ),
    "expense": ("merchant", "date", "total_amount", "tax_amount", "currency", "description"),
    "resume": ("name", "email", "phone"),
}  # fmt: skip
_EXTRACTORS = {"bill": extract_bill, "expense": extract_expense, "resume": extract_resume}


def count_pages(source, max_pages: int | None = None) -> int:
    """Number of pages (PDF page tree /Count or image frames); no page is parsed.

    A bare e-invoice XML counts as one page."""
    data = read_bytes(source)
    if data and looks_like_xml(data):
        _xml_upload(data)
        return 1
    return load(data, max_pages=max_pages).pages


def _xml_upload(data: bytes) -> dict:
    parsed = parse_invoice_xml(data)
    if parsed is None:
        raise ExtractionError(
            "unsupported_type",
            "This XML file is not an e-invoice this reader knows (Factur-X/ZUGFeRD/XRechnung "
            "CII or UBL/Peppol invoice or credit note).",
        )
    return parsed[1]


def ocr_engine(kind: str) -> str:
    """The OCR engine for scans of ``kind``: PP-OCR for receipts, which are mostly
    photos of thermal paper (Tesseract loses much of them), when its package is
    installed; Tesseract for office scans of bills and resumes, which the finders were
    built and measured on."""
    return PP_OCR if kind == "expense" and pp_ocr.available() else TESSERACT


def _pages(src, max_pages: int, ocr_workers: int | None, engine: str) -> list[Page]:
    if src.kind == "pdf":
        pages, sizes = read_pages(src.data, max_pages)
        missing = [i + 1 for i, page in enumerate(pages) if page is None]
        ocred = ocr_source(src, missing, sizes, ocr_workers, engine)
        return [page if page is not None else ocred[i + 1] for i, page in enumerate(pages)]
    numbers = list(range(1, min(src.pages, max_pages) + 1))
    ocred = ocr_source(src, numbers, None, ocr_workers, engine)
    return [ocred[n] for n in numbers]


# The fields a picture inside a text PDF holds in practice: the letterhead (a logo
# with the name, a vendor block pasted as an image) and the totals. While one of them
# is missing or unsure, the pictures are read too; only then, since most pictures are
# logos and one OCR call costs several times the reading of a whole text layer.
_KEY_FIELDS = {
    "bill": ("vendor_name", "total_amount"),
    "expense": ("merchant", "total_amount"),
    "resume": ("name",),
}
SURE = 0.9


def _unsure(kind: str, fields: dict) -> bool:
    return any(
        fields[name]["value"] in (None, "", []) or fields[name]["confidence"] < SURE
        for name in _KEY_FIELDS[kind]
    )


def _with_words(pages: list[Page], words: list[Word]) -> list[Page]:
    """``pages`` with the OCRed words of their images added (origin "mixed")."""
    merged = []
    for page in pages:
        extra = [w for w in words if w.page == page.number]
        if not extra:
            merged.append(page)
            continue
        # A picture's words make lines of their own: a logo beside the letterhead
        # must not join the letterhead's lines.
        lines = page.lines + group_lines(extra, page.number)
        lines.sort(key=lambda line: (line.top, line.x0))
        merged.append(
            Page(
                page.number,
                page.width,
                page.height,
                page.words + extra,
                "mixed",
                lines=lines,
                images=page.images,
            )  # fmt: skip
        )
    return merged


def _from_xml(values: dict) -> dict[str, dict]:
    fields = {}
    for name in FIELDS["bill"]:
        value = values.get(name)
        if value in (None, "", []):
            fields[name] = {"value": None, "confidence": 0.0, "candidates": [], "page": None,
                            "box": None}  # fmt: skip
        else:
            fields[name] = {"value": value, "confidence": 1.0, "candidates": [value],
                            "page": None, "box": None}  # fmt: skip
    checks.check_bill(fields)
    return fields


def _fill_from_page(fields: dict, page_fields: dict) -> None:
    """Fields the embedded XML leaves out (a MINIMUM profile has no IBAN or lines) are
    read from the printed page, with the page's own confidence."""
    for name, field in fields.items():
        if field["value"] in (None, "", []) and page_fields[name]["value"] not in (None, "", []):
            fields[name] = page_fields[name]


def extract(
    source,
    kind: str = "bill",
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    ocr_workers: int | None = None,
) -> dict:
    """Extract the fields of ``kind`` ("bill", "expense" or "resume") from ``source``.

    Raises :class:`ExtractionError` for documents that cannot be read (see ``CODES``).
    """
    if kind not in _EXTRACTORS:
        raise ValueError(f"kind must be one of {sorted(_EXTRACTORS)}, not {kind!r}")
    data = read_bytes(source)
    if kind == "bill" and data and looks_like_xml(data):
        return {"fields": _from_xml(_xml_upload(data)), "text": "", "pages": 1, "origin": "xml"}
    src = load(data, max_pages=max_pages)
    if kind == "bill" and src.reader is not None:
        embedded = read_embedded_invoice(src.reader)
        if embedded is not None:
            text_pages, _ = read_pages(src.data, max_pages)
            fields = _from_xml(embedded[1])
            printed = [p for p in text_pages if p is not None]
            if printed and any(f["value"] in (None, "", []) for f in fields.values()):
                _fill_from_page(fields, extract_bill(Doc(printed)))
            text = "\f".join(page_text(p) for p in printed)
            return {"fields": fields, "text": text, "pages": src.pages, "origin": "xml"}
    pages = _pages(src, max_pages, ocr_workers, ocr_engine(kind))
    fields = _EXTRACTORS[kind](Doc(pages))
    regions = [(p.number, r) for p in pages if p.origin == "text" for r in p.images]
    if regions and _unsure(kind, fields):
        words = ocr_regions(src, regions, ocr_workers)
        if words:
            pages = _with_words(pages, words)
            fields = _EXTRACTORS[kind](Doc(pages))
    origins = {p.origin for p in pages}
    return {
        "fields": fields,
        "text": "\f".join(page_text(p) for p in pages),
        "pages": src.pages,
        "origin": origins.pop() if len(origins) == 1 else "mixed",
    }
