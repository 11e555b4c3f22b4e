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


def signature_status(data: bytes, cert_path):
    """pyHanko's verdict on the PDF's one signature, trusting the instance's
    certificate. Run in a thread of its own: pyHanko starts an event loop,
    which Playwright's (in browser tests) would refuse."""
    from concurrent.futures import ThreadPoolExecutor

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    def check():
        (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
        context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])
        return validate_pdf_signature(signature, context)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(check).result()
