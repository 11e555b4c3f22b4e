"""Scanned documents through real Tesseract. Kept to a handful of pages (~10 s)."""

from __future__ import annotations

import shutil

import pytest

from addons.digitization.extract import FIELDS, extract
from devtools.digitization_corpus import iter_corpus

pytestmark = [
    pytest.mark.ocr,
    pytest.mark.skipif(
        shutil.which("tesseract") is None, reason="the tesseract binary is not installed"
    ),
]

SEED = 5


@pytest.fixture(scope="module")
def scans():
    """Scans of the first few documents: PNG, JPEG, TIFF and image-only PDF in turn."""
    return list(iter_corpus(4, SEED, expenses=1, resumes=1, variants=("scan",)))


def _right(entry, result) -> list[str]:
    fields = result["fields"]
    return [n for n in FIELDS[entry["kind"]] if fields[n]["value"] == entry["truth"][n]]


def test_scanned_bills_in_two_languages_reach_most_fields(scans):
    bills = [(d, e) for _, d, e in scans if e["kind"] == "bill"]
    chosen, langs = [], set()
    for data, entry in bills:  # one scan per language, two languages
        if entry["lang"] not in langs and len(chosen) < 2:
            chosen.append((data, entry))
            langs.add(entry["lang"])
    assert len(langs) == 2
    for data, entry in chosen:
        result = extract(data, "bill")
        assert result["origin"] == "ocr"
        right = _right(entry, result)
        assert len(right) >= 9, (entry["file"], sorted(set(FIELDS["bill"]) - set(right)))
        # Identifiers that pass their checksum are trusted; amounts that add up too.
        for name in ("vendor_vat", "iban"):
            if name in right:
                assert result["fields"][name]["confidence"] >= 0.5


def test_image_only_pdf_is_rasterised_and_read(scans):
    pdfs = [(d, e) for _, d, e in scans if e["format"] == "pdf"]
    assert pdfs
    data, entry = pdfs[0]
    result = extract(data, entry["kind"])
    assert result["origin"] == "ocr"
    assert result["fields"]["total_amount"]["value"] == entry["truth"]["total_amount"]


def test_scanned_receipt(scans):
    data, entry = next((d, e) for _, d, e in scans if e["kind"] == "expense")
    result = extract(data, "expense")
    assert len(_right(entry, result)) >= 5
