"""The signers' fields drawn in place on the original pages (reportlab over pypdf)."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FONTS: dict[str, str] = {}


_STANDARD = {"regular": "Helvetica", "bold": "Helvetica-Bold", "script": "Times-Italic"}


def font(style: str = "regular", text: str | None = None) -> str:
    """A PDF standard font for ``text`` that it can print (nothing to embed),
    else DejaVu (every European name prints) when installed."""
    if text is not None:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            pass
        else:
            return _STANDARD[style]
    if not _FONTS:
        files = {
            "regular": "DejaVuSans.ttf",
            "bold": "DejaVuSans-Bold.ttf",
            "script": "DejaVuSerif-Italic.ttf",
        }
        for key, filename in files.items():
            path = _DEJAVU / filename
            if path.exists():
                name = f"ItsmeSign-{key}"
                pdfmetrics.registerFont(TTFont(name, str(path)))
                _FONTS[key] = name
            else:
                _FONTS[key] = _STANDARD[key]
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
    name = font(style, text)
    size = fit_text(text, name, field.width, field.height)
    pdf.setFont(name, size)
    pdf.setFillColorRGB(0.05, 0.1, 0.35)
    pdf.drawString(x + 1, bottom + (field.height - size) / 2 + size * 0.2, text)


def _overlay(pages: list[tuple[float, float, float, float, list]], signers_by_id) -> bytes:
    """One PDF holding every stamped page's fields, one page each: fonts and
    pictures are embedded once for the whole document."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for dx, dy, width, height, page_fields in pages:
        pdf.setPageSize((dx + width, dy + height))
        for field in page_fields:
            _draw_field(pdf, field, signers_by_id[field.signer_id], height, dx, dy)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _as_form(writer: PdfWriter, source) -> StreamObject:
    """An overlay page as a form XObject of ``writer``."""
    form = StreamObject()
    form.set_data(source.get_contents().get_data())
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(
        [FloatObject(v) for v in (0, 0, float(source.mediabox.right), float(source.mediabox.top))]
    )
    form[NameObject("/Resources")] = source["/Resources"].clone(writer)
    return form


def _indirect(writer: PdfWriter, obj) -> IndirectObject:
    """``obj`` as an indirect object of ``writer``: pypdf's public ``clone`` puts
    an object there when it says it belongs to no file yet (``indirect_reference``
    set to ``None``); one without the attribute would be copied inline."""
    obj.indirect_reference = None
    return obj.clone(writer).indirect_reference


def _stream(writer: PdfWriter, data: bytes):
    stream = StreamObject()
    stream.set_data(data)
    return _indirect(writer, stream)


def stamp(original: bytes, fields, signers_by_id: dict) -> bytes:
    """``original`` with every field drawn on its page.

    The fields of a page are drawn once as a form XObject painted after the
    page's own content, which is wrapped in ``q … Q`` and never parsed nor
    rewritten: the original pages stay byte for byte what they were."""
    reader = PdfReader(io.BytesIO(original), strict=False)
    writer = PdfWriter(clone_from=reader)
    by_page = defaultdict(list)
    for field in fields:
        by_page[field.page].append(field)
    numbers = sorted(by_page)
    boxes = []
    for number in numbers:
        page = writer.pages[number - 1]
        if int(page.get("/Rotate", 0) or 0) % 360:
            page.transfer_rotation_to_content()
        box = page.mediabox
        boxes.append(
            (
                float(box.left),
                float(box.bottom),
                float(box.width),
                float(box.height),
                by_page[number],
            )
        )
    overlay = PdfReader(io.BytesIO(_overlay(boxes, signers_by_id)))
    save, restore = _stream(writer, b"q\n"), None
    for index, number in enumerate(numbers):
        page = writer.pages[number - 1]
        name = NameObject(f"/ItsmeSignFields{index}")
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        page[NameObject("/Resources")] = resources
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
        xobjects[name] = _indirect(writer, _as_form(writer, overlay.pages[index]))
        parts = []
        if "/Contents" in page:
            raw = page.raw_get("/Contents")  # a stream must stay an indirect object
            contents = raw.get_object()
            if isinstance(contents, ArrayObject):
                parts = list(contents)
            elif isinstance(raw, IndirectObject):
                parts = [raw]
            else:
                parts = [_indirect(writer, contents)]
        restore = _stream(writer, b"\nQ q " + name.encode() + b" Do Q\n")
        page[NameObject("/Contents")] = ArrayObject([save, *parts, restore])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
