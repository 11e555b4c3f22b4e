"""PDFs for the tests and the benchmark, drawn with reportlab."""

from __future__ import annotations

import io

import pypdf
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

ADDRESS = {
    "name": "Marie Dubois",
    "street": "Rue de la Loi 16",
    "zip": "1000",
    "city": "Bruxelles",
    "country_code": "BE",
}


def pdf(pages: int = 1, *, size=A4, in_window: bool = False, full_page: bool = False) -> bytes:
    """A document whose text stays clear of the envelope windows (below 100 mm
    from the top), unless ``in_window`` writes in the right one or
    ``full_page`` fills every page to its edges."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=size)
    width, height = size
    for number in range(1, pages + 1):
        sheet.setFont("Helvetica", 11)
        sheet.drawString(20 * mm, height - 20 * mm, "ACME Corp., Boulevard 1, Brussels")
        for row in range(30):
            sheet.drawString(
                20 * mm, height - 110 * mm - row * 5 * mm, f"Line {row} of page {number}"
            )
        if in_window:
            sheet.drawString(125 * mm, height - 70 * mm, "Someone Else")
        if full_page:
            sheet.setFillColorRGB(0.8, 0.8, 0.9)
            sheet.rect(0, 0, width, height, fill=1, stroke=0)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def encrypted() -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf(1))))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, format="PNG")
    return buffer.getvalue()


US_LETTER = letter
A4_LANDSCAPE = landscape(A4)
