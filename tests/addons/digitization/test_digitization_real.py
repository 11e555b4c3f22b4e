"""Real documents written by other people (see fixtures/real/README.md for sources and
licences): each field is compared with the answer the document itself states.

The printed page is read with the embedded XML removed, so these pin the page readers
(labels, totals and their tax breakdown, seller block, inline numbers); the XML path is
pinned on the originals. The two receipts need Tesseract and are marked ``ocr``.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfWriter

from addons.digitization.extract import extract

REAL = Path(__file__).parent / "fixtures" / "real"

# What each invoice's embedded XML says, for the fields its page prints.
PRINTED = {
    "ZUGFeRDv1_Intarsys_ZUGFeRD_1p0_COMFORT_Rabatte.pdf": {
        "vendor_name": "Lieferant GmbH", "vendor_vat": "DE123456789",
        "invoice_number": "471102", "invoice_date": "2013-06-05", "due_date": "2013-07-04",
        "currency": "EUR", "untaxed_amount": "193.83", "tax_amount": "21.31",
        "total_amount": "215.14", "iban": "DE08700901001234567890",
        "payment_reference": "GE2020211-471102",
    },
    "ZUGFeRDv1_Intarsys_ZUGFeRD_1p0_COMFORT_Rechnungskorrektur.pdf": {
        "vendor_name": "MUSTERLIEFERANT GMBH", "vendor_vat": "DE123456789",
        "invoice_number": "RK21012345", "invoice_date": "2013-09-16", "currency": "EUR",
        "untaxed_amount": "-7.67", "tax_amount": "-1.12", "total_amount": "-8.79",
    },
    "ZUGFeRDv2_intarsys_BASIC_zugferd_2p0_BASIC_Taxifahrt.pdf": {
        "vendor_name": "Taxiunternehmen TX GmbH", "vendor_vat": "DE123456789",
        "invoice_number": "TX-471102", "invoice_date": "2018-10-30", "due_date": "2018-11-29",
        "currency": "EUR", "untaxed_amount": "16.90", "tax_amount": "1.18",
        "total_amount": "18.08",
    },
    "ZUGFeRDv2_intarsys_EN16931_zugferd_2p0_EN16931_Einfach.pdf": {
        "vendor_name": "Lieferant GmbH", "vendor_vat": "DE123456789",
        "invoice_number": "471102", "invoice_date": "2018-03-05", "currency": "EUR",
        "untaxed_amount": "473.00", "tax_amount": "56.87", "total_amount": "529.87",
    },
}  # fmt: skip


def _without_xml(path: Path) -> bytes:
    writer = PdfWriter(clone_from=str(path))
    names = writer.root_object.get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        del names.get_object()["/EmbeddedFiles"]
    if "/AF" in writer.root_object:
        del writer.root_object["/AF"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_printed_page_of_a_real_invoice(name):
    result = extract(_without_xml(REAL / name), "bill")
    # "mixed" when the page's logo was read too (its number is not printed, so a key
    # field stays unsure); the page itself is never sent to OCR.
    assert result["origin"] in ("text", "mixed")
    read = {field: result["fields"][field]["value"] for field in PRINTED[name]}
    assert read == PRINTED[name]
    # Amounts that agree with the tax breakdown are shown as sure, never flagged.
    assert all(result["fields"][f]["confidence"] >= 0.9 for f in ("total_amount", "tax_amount"))


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_embedded_xml_of_a_real_invoice(name):
    """ZUGFeRD 1.0 and 2.0 alike; every field the page prints is in the XML too."""
    result = extract(REAL / name, "bill")
    assert result["origin"] == "xml"
    for field, value in PRINTED[name].items():
        assert result["fields"][field]["value"] == value, field
        # DE123456789, the examples' VAT number, fails its checksum: flagged even in XML;
        # a free-form payment reference has no checksum and is always worth a look.
        sure = field not in ("vendor_vat", "payment_reference")
        assert (result["fields"][field]["confidence"] == 1.0) is sure, field


def test_bare_xml_upload_of_a_real_invoice():
    from pypdf import PdfReader

    reader = PdfReader(REAL / "ZUGFeRDv1_Intarsys_ZUGFeRD_1p0_COMFORT_Rabatte.pdf")
    (xml,) = [blob for blobs in reader.attachments.values() for blob in blobs]
    result = extract(xml, "bill")
    assert result["origin"] == "xml"
    assert result["fields"]["payment_reference"]["value"] == "GE2020211-471102"
    assert result["fields"]["total_amount"]["value"] == "215.14"


@pytest.mark.ocr
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
@pytest.mark.parametrize("number", ["005", "055"])
def test_real_receipt_photo(number):
    answers = json.loads((REAL / f"receipt-{number}.json").read_text())
    fields = extract(REAL / f"receipt-{number}.jpg", "expense", ocr_workers=1)["fields"]
    assert fields["merchant"]["value"] == answers["company"]
    assert fields["total_amount"]["value"] == answers["total"].lstrip("$RM ")
    # Malaysian shop: ringgit, whatever stray '$' the photo shows.
    assert fields["currency"]["value"] == "MYR"


@pytest.mark.ocr
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_real_receipt_on_a_dark_ground(monkeypatch):
    """Receipt 415 lies on a black ground with torn edges: read as it is, Tesseract finds
    no text at all; with the ground cut off, its date and currency are read."""
    from addons.digitization.extract import ocr

    answers = json.loads((REAL / "receipt-415.json").read_text())
    fields = extract(REAL / "receipt-415.jpg", "expense", ocr_workers=1)["fields"]
    day, month, year = answers["date"].split("-")  # '14-08-17'
    assert fields["date"]["value"] == f"20{year}-{month}-{day}"
    assert fields["currency"]["value"] == "MYR"
    assert fields["total_amount"]["value"] is not None
    monkeypatch.setattr(ocr, "trim_dark_ground", lambda data, path, tmp: (path, None))
    untrimmed = extract(REAL / "receipt-415.jpg", "expense", ocr_workers=1)
    assert untrimmed["text"].strip() == ""
