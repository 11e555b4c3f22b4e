"""The signers' fields drawn in place on the original pages (reportlab over pypdf)."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FONTS: dict[str, str] = {}


def font(style: str = "regular") -> str:
    """DejaVu (every European name prints) when installed, else Helvetica (Latin-1)."""
    if not _FONTS:
        files = {
            "regular": "DejaVuSans.ttf",
            "bold": "DejaVuSans-Bold.ttf",
            "script": "DejaVuSerif-Italic.ttf",
        }
        fallback = {"regular": "Helvetica", "bold": "Helvetica-Bold", "script": "Times-Italic"}
        for key, filename in files.items():
            path = _DEJAVU / filename
            if path.exists():
                name = f"ItsmeSign-{key}"
                pdfmetrics.registerFont(TTFont(name, str(path)))
                _FONTS[key] = name
            else:
                _FONTS[key] = fallback[key]
    return _FONTS[style]


def fit_text(text: str, font_name: str, width: float, height: float) -> float:
    """The largest font size (at most 80 % of the box height) at which ``text`` fits the width."""
    size = max(4.0, min(height * 0.8, 24.0))
    while size > 4 and pdfmetrics.stringWidth(text, font_name, size) > width - 2:
        size -= 0.5
    return size


def _draw_field(pdf: canvas.Canvas, field, signer, page_height: float, dx: float, dy: float):
    x = dx + field.x
    bottom = dy + page_height - field.y - field.height
    if field.kind == "signature" and signer.signature_png:
        image = ImageReader(io.BytesIO(bytes(signer.signature_png)))
        pdf.drawImage(
            image,
            x,
            bottom,
            field.width,
            field.height,
            mask="auto",
            preserveAspectRatio=True,
            anchor="sw",
        )
        return
    text = field.value or ""
    if not text:
        return
    style = "script" if field.kind == "signature" else "regular"
    name = font(style)
    size = fit_text(text, name, field.width, field.height)
    pdf.setFont(name, size)
    pdf.setFillColorRGB(0.05, 0.1, 0.35)
    pdf.drawString(x + 1, bottom + (field.height - size) / 2 + size * 0.2, text)


def stamp(original: bytes, fields, signers_by_id: dict) -> bytes:
    """``original`` with every field drawn on its page; the page content is otherwise untouched."""
    reader = PdfReader(io.BytesIO(original), strict=False)
    writer = PdfWriter(clone_from=reader)
    by_page = defaultdict(list)
    for field in fields:
        by_page[field.page].append(field)
    for number, page_fields in by_page.items():
        page = writer.pages[number - 1]
        if int(page.get("/Rotate", 0) or 0) % 360:
            page.transfer_rotation_to_content()
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        dx, dy = float(box.left), float(box.bottom)
        overlay = io.BytesIO()
        pdf = canvas.Canvas(overlay, pagesize=(dx + width, dy + height))
        for field in page_fields:
            _draw_field(pdf, field, signers_by_id[field.signer_id], height, dx, dy)
        pdf.showPage()
        pdf.save()
        page.merge_page(PdfReader(overlay).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
