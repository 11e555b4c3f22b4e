"""``prepare()``: a PDF made ready for the printer, or the reason it cannot be.

The document's pages are kept as they are (pypdf copies them, nothing is
re-rendered); on every page a few drawing operators paint the 5 mm margins
and the printer's corner square white, and the address is written in the
envelope window, on page 1 or on a cover page.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pypdf
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    RectangleObject,
    StreamObject,
)
from reportlab.pdfbase.pdfmetrics import stringWidth

from addons.snailmail import addresses, marks
from addons.snailmail.errors import (
    ATTACHMENT_ERROR,
    FORMAT_ERROR,
    MISSING_REQUIRED_FIELDS,
    LetterError,
)
from addons.snailmail.geometry import A4, A4_TOLERANCE, BLANKED, WINDOWS, Box, mm

# An envelope holds this many sheets at most.
MAX_SHEETS = 50
FONT = "Helvetica"
FONT_SIZES = (10, 9, 8)  # the largest that fits the window
PADDING = mm(3)  # between the window's edge and the address
_FONT_NAME = NameObject("/SnailmailAddress")
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (a Word or LibreOffice document?)"),
    (b"%!PS", "a PostScript file"),
    (b"{\\rtf", "an RTF document"),
)

logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Printable:
    """What goes to the printer: the PDF, its pages and sheets, and the address lines."""

    pdf: bytes
    pages: int
    sheets: int
    address: tuple[str, ...]
    window: str


def sheets_for(pages: int, duplex: bool) -> int:
    return math.ceil(pages / 2) if duplex else pages


def _attachment_error(message: str) -> LetterError:
    return LetterError(ATTACHMENT_ERROR, message)


def _read(pdf: bytes) -> pypdf.PdfReader:
    if not isinstance(pdf, bytes | bytearray | memoryview):
        raise TypeError("prepare() takes the PDF's bytes")
    data = bytes(pdf)
    if not data:
        raise _attachment_error("The document is empty (0 bytes): attach the PDF again.")
    if b"%PDF-" not in data[:1024]:
        kind = next((name for magic, name in _MAGIC if data.startswith(magic)), None)
        what = f"is {kind}" if kind else "is not a PDF"
        raise _attachment_error(f"The document {what}: export or print it as a PDF and send that.")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        count = len(reader.pages) if not encrypted else 0
    except Exception:
        raise _attachment_error(
            "The PDF is damaged and cannot be read: export it again from its application."
        ) from None
    if encrypted:
        raise _attachment_error(
            "The PDF is password-protected: save a copy without a password and send that."
        )
    if count == 0:
        raise _attachment_error("The PDF has no pages.")
    return reader


def _check_size(page, number: int) -> Box:
    """The page's visible box, after checking it is A4 portrait."""
    try:
        box = page.cropbox
        width, height = float(box.width), float(box.height)
        rotation = page.rotation % 360
    except Exception:
        raise _attachment_error(
            f"Page {number} of the PDF is damaged: export it again from its application."
        ) from None
    if rotation in (90, 270):
        width, height = height, width
    a4_width, a4_height = A4
    if abs(width - a4_width) <= A4_TOLERANCE and abs(height - a4_height) <= A4_TOLERANCE:
        return Box(float(box.left), float(box.bottom), float(box.right), float(box.top))
    if abs(width - a4_height) <= A4_TOLERANCE and abs(height - a4_width) <= A4_TOLERANCE:
        detail = f"page {number} is A4 landscape; turn it to portrait"
    else:
        size = f"{width / mm(1):.0f} × {height / mm(1):.0f} mm"
        detail = f"page {number} measures {size}, not 210 × 297 mm"
    raise LetterError(FORMAT_ERROR, f"Please use an A4 paper format: {detail}.")


def _escape(text: str) -> bytes:
    try:
        data = text.encode("cp1252")
    except UnicodeEncodeError:
        bad = next(c for c in text if not _encodable(c))
        raise LetterError(
            MISSING_REQUIRED_FIELDS,
            f"The character {bad!r} in the address cannot be printed: "
            "write the address in Latin letters.",
        ) from None
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def address_operators(lines: list[str], window: Box, address: Mapping) -> bytes:
    """PDF operators writing ``lines`` in ``window``, in the largest size that fits."""
    inner_width = window.x1 - window.x0 - 2 * PADDING
    inner_height = window.y1 - window.y0 - 2 * PADDING
    for size in FONT_SIZES:
        leading = size * 1.15
        widest = max(stringWidth(line, FONT, size) for line in lines)
        if widest <= inner_width and leading * len(lines) <= inner_height:
            break
    else:
        too_wide = [line for line in lines if stringWidth(line, FONT, size) > inner_width]
        if too_wide:
            line = too_wide[0]
            fits = int(len(line) * inner_width / stringWidth(line, FONT, size))
            field = addresses.field_of_line(address, line)
            raise LetterError(
                MISSING_REQUIRED_FIELDS,
                f"The address line “{line[:40]}…” ({len(line)} characters) is too long for "
                f"the envelope window: shorten the {addresses.LABELS[field]} to about "
                f"{fits} characters.",
                field=field,
            )
        raise LetterError(
            MISSING_REQUIRED_FIELDS,
            f"The address has {len(lines)} lines; at most "
            f"{int(inner_height // leading)} fit in the envelope window: shorten it.",
        )
    x = window.x0 + PADDING
    # The first baseline sits one ascent (about 0.75 em) below the top padding.
    y = window.y1 - PADDING - size * 0.75
    ops = [b"BT", b"0 g", b"/SnailmailAddress %d Tf" % size, b"%.2f TL" % leading]
    ops.append(b"%.2f %.2f Td" % (x, y))
    for index, line in enumerate(lines):
        ops.append((b"T* " if index else b"") + b"(" + _escape(line) + b") Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


def _blank_operators() -> bytes:
    rects = b" ".join(
        b"%.3f %.3f %.3f %.3f re" % (b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0) for b in BLANKED
    )
    return b"1 g " + rects + b" f"


_BLANK_OPERATORS = _blank_operators()


def _stream(data: bytes) -> StreamObject:
    stream = StreamObject()
    stream.set_data(data)
    return stream


def _font() -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/" + FONT),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )


def _shared(writer: pypdf.PdfWriter, obj) -> IndirectObject:
    """``obj`` as an indirect object of ``writer``, which many pages refer to.

    pypdf's public ``clone`` puts an object in the writer when the object says
    it belongs to no file yet (``indirect_reference`` set to ``None``); one
    with no ``indirect_reference`` at all would be copied inline instead.
    """
    obj.indirect_reference = None
    return obj.clone(writer).indirect_reference


class _Builder:
    """Writes the letter's pages, sharing the streams every page has in common."""

    def __init__(self):
        self.writer = pypdf.PdfWriter()
        self.save = _shared(self.writer, _stream(b"q\n"))
        self.font = _shared(self.writer, _font())
        self.blank = {}

    def _overlay(self, origin: tuple[float, float], extra: bytes = b""):
        key = (origin, extra)
        if key not in self.blank:
            move = b"1 0 0 1 %.3f %.3f cm " % origin if origin != (0, 0) else b""
            data = b"\nQ\nq " + move + _BLANK_OPERATORS + b"\n" + extra + b"\nQ\n"
            ref = _shared(self.writer, _stream(data))
            if extra:
                return ref
            self.blank[key] = ref
        return self.blank[key]

    def add(self, page, origin=(0.0, 0.0), address: bytes = b"", window: Box | None = None):
        """Adds ``page`` with its margins blanked and ``address`` written; with
        ``window``, first checks that the page leaves that window empty."""
        added = self.writer.add_page(page)
        if added.rotation % 360:
            added.transfer_rotation_to_content()
            box = added.cropbox
            origin = (float(box.left), float(box.bottom))
        if window is not None:
            here = Box(
                window.x0 + origin[0],
                window.y0 + origin[1],
                window.x1 + origin[0],
                window.y1 + origin[1],
            )
            if marks.paints_in(added, here):
                raise LetterError(
                    FORMAT_ERROR,
                    "The address area of page 1 is not empty: leave the envelope window "
                    "blank, or send the letter with a cover page.",
                )
        contents = added.get("/Contents")
        parts = []
        if contents is not None:
            resolved = contents.get_object()
            parts = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        added[NameObject("/Contents")] = ArrayObject(
            [self.save, *parts, self._overlay(origin, address)]
        )
        if address:
            self._add_font(added)
        # The printer prints what it is shown: the visible box.
        added.mediabox = RectangleObject(added.cropbox)
        return added

    def _add_font(self, page) -> None:
        resources = page.get("/Resources")
        resources = DictionaryObject(resources.get_object()) if resources is not None else None
        resources = resources or DictionaryObject()
        fonts = resources.get("/Font")
        fonts = DictionaryObject(fonts.get_object()) if fonts is not None else DictionaryObject()
        fonts[_FONT_NAME] = self.font
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources

    def blank_page(self):
        return self.writer.add_blank_page(*A4)

    def output(self) -> bytes:
        buffer = io.BytesIO()
        self.writer.write(buffer)
        return buffer.getvalue()


def prepare_letter(
    pdf: bytes,
    address: Mapping,
    *,
    cover: bool = False,
    window: str = "right",
    duplex: bool = False,
) -> Printable:
    """:func:`prepare`, with the page and sheet counts and the printed address."""
    if window not in WINDOWS:
        raise ValueError(f"window must be 'right' or 'left', not {window!r}")
    lines = addresses.lines(address)
    area = WINDOWS[window]
    address_ops = address_operators(lines, area, address)
    reader = _read(pdf)
    count = len(reader.pages)
    total = count + (2 if cover and duplex else 1 if cover else 0)
    sheets = sheets_for(total, duplex)
    if sheets > MAX_SHEETS:
        hint = "" if duplex else " (printing on both sides halves the sheets)"
        raise LetterError(
            FORMAT_ERROR,
            f"The letter would take {sheets} sheets; an envelope holds at most {MAX_SHEETS}"
            f"{hint}: split the document.",
        )
    boxes = [_check_size(page, number) for number, page in enumerate(reader.pages, 1)]
    builder = _Builder()
    if cover:
        page = builder.blank_page()
        builder.writer.pages[-1][NameObject("/Contents")] = ArrayObject(
            [builder.save, builder._overlay((0.0, 0.0), address_ops)]
        )
        builder._add_font(page)
        if duplex:
            # The back of the cover: blank, with the same white margins as every page.
            builder.blank_page()
            builder.writer.pages[-1][NameObject("/Contents")] = ArrayObject(
                [builder.save, builder._overlay((0.0, 0.0))]
            )
    for number, (page, box) in enumerate(zip(reader.pages, boxes, strict=True)):
        on_page = number == 0 and not cover
        builder.add(
            page, (box.x0, box.y0), address_ops if on_page else b"", area if on_page else None
        )
    return Printable(builder.output(), total, sheets, tuple(lines), window)


def prepare(
    pdf: bytes,
    address: Mapping,
    *,
    cover: bool = False,
    window: str = "right",
    duplex: bool = False,
) -> bytes:
    """The PDF exactly as it goes to the printer.

    ``pdf`` is the document's bytes, ``address`` a mapping with Odoo's partner
    field names (``name``, ``street``, ``street2``, ``zip``, ``city``,
    ``state``, ``country_code``). Raises :class:`LetterError` with a code and
    a message the user can act on.
    """
    return prepare_letter(pdf, address, cover=cover, window=window, duplex=duplex).pdf
