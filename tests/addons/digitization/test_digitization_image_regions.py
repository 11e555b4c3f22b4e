"""Images inside text PDFs (issue 13 #9): a vendor block or the totals pasted as a
picture into a born-digital bill are read by OCR and merged with the text layer."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from addons.digitization.extract import extract
from addons.digitization.extract.text_layer import image_regions

A4 = (595.0, 842.0)
VENDOR = ["Nordwind Handels GmbH", "Hafenstrasse 3", "20457 Hamburg", "USt-IdNr. DE136695976"]
TOTALS = [("Subtotal", "1,250.00"), ("VAT 19%", "237.50"), ("Total EUR", "1,487.50")]


def _picture(draw, width: float, height: float, dpi: int = 200) -> bytes:
    """PNG of what ``draw(canvas)`` prints on a ``width`` × ``height`` pt page:
    rendered by poppler, so the picture holds no text layer."""
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=(width, height))
    draw(sheet)
    sheet.save()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "block.pdf"
        source.write_bytes(out.getvalue())
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), f"{tmp}/block"],
            check=True,
        )
        return (Path(tmp) / "block.png").read_bytes()


def _vendor_block(sheet) -> None:
    sheet.setFont("Helvetica-Bold", 14)
    sheet.drawString(4, 62, VENDOR[0])
    sheet.setFont("Helvetica", 10)
    for i, text in enumerate(VENDOR[1:]):
        sheet.drawString(4, 46 - 13 * i, text)


def _totals_block(sheet) -> None:
    sheet.setFont("Helvetica", 11)
    for i, (label, amount) in enumerate(TOTALS):
        sheet.drawString(4, 48 - 18 * i, label)
        sheet.drawRightString(196, 48 - 18 * i, amount)


def _bill(*, vendor_as_image: bool, totals_as_image: bool, logo: bool = False) -> bytes:
    width, height = A4
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    if vendor_as_image:
        png = _picture(_vendor_block, 200, 76)
        sheet.drawImage(ImageReader(io.BytesIO(png)), 50, height - 126, 200, 76)
    else:
        sheet.saveState()
        sheet.translate(50, height - 126)
        _vendor_block(sheet)
        sheet.restoreState()
    if logo:  # a picture with no text: never worth an OCR when the text is read
        sheet.setFillColorRGB(0.2, 0.4, 0.8)
        logo_png = _picture(lambda s: s.circle(30, 30, 25, fill=1), 60, 60)
        sheet.drawImage(ImageReader(io.BytesIO(logo_png)), 480, height - 110, 60, 60)
    sheet.setFont("Helvetica-Bold", 18)
    sheet.drawString(50, height - 180, "INVOICE")
    sheet.setFont("Helvetica", 10)
    rows = [
        ("Bill to:", "Kestrel Outfitters Ltd"),
        ("", "12 Mill Lane, Leeds LS1 4AB"),
        ("Invoice number:", "RE-2024-0815"),
        ("Invoice date:", "05.03.2024"),
        ("Due date:", "04.04.2024"),
    ]
    for i, (label, value) in enumerate(rows):
        sheet.drawString(50, height - 215 - 15 * i, label)
        sheet.drawString(160, height - 215 - 15 * i, value)
    sheet.setFont("Helvetica-Bold", 10)
    for x, text in ((50, "Description"), (330, "Qty"), (400, "Unit price"), (490, "Amount")):
        sheet.drawString(x, height - 320, text)
    sheet.setFont("Helvetica", 10)
    sheet.drawString(50, height - 338, "Sailcloth, roll 50 m")
    sheet.drawString(330, height - 338, "5")
    sheet.drawString(400, height - 338, "250.00")
    sheet.drawString(490, height - 338, "1,250.00")
    if totals_as_image:
        png = _picture(_totals_block, 200, 60)
        sheet.drawImage(ImageReader(io.BytesIO(png)), 345, height - 430, 200, 60)
    else:
        for i, (label, amount) in enumerate(TOTALS):
            sheet.drawString(349, height - 382 - 18 * i, label)
            sheet.drawRightString(541, height - 382 - 18 * i, amount)
    sheet.drawString(50, height - 480, "IBAN DE89 3704 0044 0532 0130 00")
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def test_image_regions_are_the_pictures_without_text():
    data = _bill(vendor_as_image=True, totals_as_image=True, logo=True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        regions = image_regions(page, float(page.width), float(page.height))
    # Top to bottom: the vendor block and the logo, then the totals (points, top-left).
    assert [tuple(round(v) for v in r) for r in regions] == [
        (50, 50, 250, 126),
        (480, 50, 540, 110),
        (345, 370, 545, 430),
    ]


def test_pictures_under_text_and_specks_are_not_regions():
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    png = _picture(lambda s: s.rect(0, 0, 200, 76, fill=1), 200, 76, dpi=30)
    sheet.drawImage(ImageReader(io.BytesIO(png)), 50, 600, 200, 76)  # a text box's ground
    sheet.drawImage(ImageReader(io.BytesIO(png)), 300, 600, 30, 8)  # a rule: too small
    sheet.setFont("Helvetica", 10)
    sheet.drawString(60, 640, "Written over the picture, in the text layer")
    sheet.showPage()
    sheet.save()
    with pdfplumber.open(io.BytesIO(out.getvalue())) as pdf:
        page = pdf.pages[0]
        assert image_regions(page, float(page.width), float(page.height)) == []


needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")


@pytest.mark.ocr
@needs_tesseract
def test_vendor_block_and_totals_pasted_as_pictures_are_read():
    text_only = extract(_bill(vendor_as_image=True, totals_as_image=True), "bill")
    fields = text_only["fields"]
    assert text_only["origin"] == "mixed"
    assert fields["vendor_name"]["value"] == VENDOR[0]
    assert fields["vendor_vat"]["value"] == "DE136695976"
    assert fields["untaxed_amount"]["value"] == "1250.00"
    assert fields["tax_amount"]["value"] == "237.50"
    assert fields["total_amount"]["value"] == "1487.50"
    # Located inside the pictures: the viewer's box is where the picture is.
    x, y, w, h = fields["total_amount"]["box"]
    assert 345 / A4[0] - 0.01 <= x and x + w <= 545 / A4[0] + 0.01
    assert 370 / A4[1] - 0.01 <= y and y + h <= 430 / A4[1] + 0.01
    x, y, _, _ = fields["vendor_name"]["box"]
    assert x < 250 / A4[0] and y < 126 / A4[1]
    # The text layer is read as before.
    assert fields["invoice_number"]["value"] == "RE-2024-0815"
    assert fields["invoice_date"]["value"] == "2024-03-05"
    assert fields["iban"]["value"] == "DE89370400440532013000"


@pytest.mark.ocr
@needs_tesseract
def test_pictures_are_not_read_when_the_text_layer_says_it_all(monkeypatch):
    extract_module = sys.modules["addons.digitization.extract"]
    calls = []
    real = extract_module.ocr_regions
    monkeypatch.setattr(
        extract_module, "ocr_regions", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    result = extract(_bill(vendor_as_image=False, totals_as_image=False, logo=True), "bill")
    assert result["origin"] == "text" and calls == []
    assert result["fields"]["vendor_name"]["value"] == VENDOR[0]
    assert result["fields"]["total_amount"]["value"] == "1487.50"
