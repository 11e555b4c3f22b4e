"""Deterministic corpus of bills, receipts and resumes with ground truth.

Each document is drawn from its own ``random.Random(f"{seed}-{kind}-{index}")`` so a
document does not change when the corpus grows. Every document is rendered as a
born-digital PDF and as one scan (PNG, JPEG, TIFF or image-only PDF, in turn); some
bills also get a Factur-X (CII) or UBL XML attachment.

``iter_corpus`` yields ``(filename, data, entry)``; ``write_corpus`` writes the files
plus ``truth.json`` (a list of entries). An entry looks like::

    {"file": "bill_003_scan.png", "kind": "bill", "variant": "scan", "format": "png",
     "lang": "fr", "template": "window_right", "font": "Times-Roman",
     "amount_style": "space_comma", "truth": {"vendor_name": ..., ...},
     "customer_vat": "DE123456789"}

``truth`` uses the extractor's field names and normalised values; ``customer_vat``
(bills only) is there so tests can check it is never returned as the vendor's.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator

from . import documents, einvoice_xml, render_pdf, scan

VARIANTS = ("digital", "scan", "facturx", "ubl")
_MAKERS = {
    "bill": (documents.make_bill, render_pdf.render_bill),
    "expense": (documents.make_expense, render_pdf.render_expense),
    "resume": (documents.make_resume, render_pdf.render_resume),
}


def _entry(doc: dict, filename: str, variant: str, fmt: str) -> dict:
    return {
        "file": filename,
        "kind": doc["kind"],
        "variant": variant,
        "format": fmt,
        "lang": doc["lang"],
        "template": doc.get("template"),
        "font": doc["font"][0],
        "amount_style": doc.get("amount_style"),
        "truth": doc["truth"],
        # Not an extracted field: lets tests check the customer's VAT is never taken.
        "customer_vat": doc["customer"]["vat"] if "customer" in doc else None,
    }


def iter_corpus(
    bills: int,
    seed: int = 0,
    expenses: int | None = None,
    resumes: int | None = None,
    variants: tuple[str, ...] = VARIANTS,
) -> Iterator[tuple[str, bytes, dict]]:
    """Yield ``(filename, data, entry)`` for every rendered file of the corpus.

    ``expenses`` and ``resumes`` default to a third and a quarter of ``bills``.
    """
    counts = {
        "bill": bills,
        "expense": max(1, bills // 3) if expenses is None else expenses,
        "resume": max(1, bills // 4) if resumes is None else resumes,
    }
    for kind, count in counts.items():
        make, render = _MAKERS[kind]
        for index in range(count):
            rng = random.Random(f"{seed}-{kind}-{index}")
            doc = make(rng, index)
            pdf = render(doc, rng)
            stem = f"{kind}_{index:03d}"
            if "digital" in variants:
                yield (
                    f"{stem}_digital.pdf",
                    pdf,
                    _entry(doc, f"{stem}_digital.pdf", "digital", "pdf"),
                )
            if "scan" in variants:
                fmt = scan.SCAN_FORMATS[index % len(scan.SCAN_FORMATS)]
                name = f"{stem}_scan.{'jpg' if fmt == 'jpeg' else fmt}"
                yield name, scan.make_scan(pdf, rng, fmt), _entry(doc, name, "scan", fmt)
            if kind != "bill":
                continue
            if "facturx" in variants and index % 5 == 1:
                data = einvoice_xml.embed_xml(pdf, "factur-x.xml", einvoice_xml.build_cii(doc))
                name = f"{stem}_facturx.pdf"
                yield name, data, _entry(doc, name, "facturx", "pdf")
            if "ubl" in variants and index % 5 == 3:
                data = einvoice_xml.embed_xml(pdf, "invoice-ubl.xml", einvoice_xml.build_ubl(doc))
                name = f"{stem}_ubl.pdf"
                yield name, data, _entry(doc, name, "ubl", "pdf")


def write_corpus(out_dir: str, bills: int, seed: int = 0, **kwargs) -> list[dict]:
    """Write the corpus files and ``truth.json`` into ``out_dir``; return the entries."""
    os.makedirs(out_dir, exist_ok=True)
    entries = []
    for filename, data, entry in iter_corpus(bills, seed, **kwargs):
        with open(os.path.join(out_dir, filename), "wb") as fh:
            fh.write(data)
        entries.append(entry)
    with open(os.path.join(out_dir, "truth.json"), "w", encoding="utf-8") as fh:
        json.dump(entries, fh, indent=1, ensure_ascii=False)
    return entries
