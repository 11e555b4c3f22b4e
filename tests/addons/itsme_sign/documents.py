"""PDFs for the tests, made with reportlab and pypdf."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf(pages: int = 1, size=A4) -> bytes:
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=size)
    for number in range(1, pages + 1):
        drawing.setFont("Helvetica", 14)
        drawing.drawString(72, size[1] - 72, f"Employment contract, page {number}")
        drawing.drawString(72, size[1] - 100, "Signed below by the employee and the employer.")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def no_page_pdf() -> bytes:
    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf(1)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_of(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
