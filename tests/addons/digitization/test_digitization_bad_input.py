"""Inputs the extractor must refuse with a clear ExtractionError code and reason."""

from __future__ import annotations

import importlib
import io
import random
import struct
import zipfile
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from addons.digitization.extract import ExtractionError, count_pages, extract
from addons.digitization.extract.ocr import tesseract_available

# The package, not the function of the same name that addons.digitization re-exports.
extract_module = importlib.import_module("addons.digitization.extract")


def _pdf(pages: int = 1, size=(595, 842), text: str = "Invoice 1") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    for _ in range(pages):
        if text:
            c.drawString(72, 72, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf(text="Invoice 12345 total 100.00")))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims huge dimensions: tiny file, giant image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("L", (20, 20), 255).save(out, "GIF")
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


CASES = {
    "empty": lambda: b"",
    # Fixed random bytes; the prefix rules out any magic number by accident.
    "not_pdf": lambda: b"\x13\x37" + random.Random(1).randbytes(4096).replace(b"%PDF", b"xxxx"),
    "encrypted": _encrypted_pdf,
    "corrupt": lambda: b"%PDF-1.7\n" + random.Random(2).randbytes(2048).replace(b"%%EOF", b"xx"),
    "too_many_pages": lambda: _pdf(pages=51),
    "decompression_bomb": lambda: _png_header_only(100_000, 100_000),
    "unsupported_type": _docx,
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_bad_input_raises_extraction_error_with_code(code, tmp_path):
    # Files named .pdf whatever they contain: the type must come from the bytes.
    path = tmp_path / "upload.pdf"
    path.write_bytes(CASES[code]())
    with pytest.raises(ExtractionError) as info:
        extract(str(path), "bill")
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    assert info.value.reason and info.value.reason == str(info.value)


def test_gif_is_unsupported():
    with pytest.raises(ExtractionError) as info:
        extract(_gif(), "expense")
    assert info.value.code == "unsupported_type"
    assert "GIF" in info.value.reason


def test_truncated_pdf_is_corrupt():
    data = _pdf(text="")
    with pytest.raises(ExtractionError) as info:
        extract(data[: len(data) // 3] + b"garbage", "bill")
    assert info.value.code == "corrupt"


def test_page_limit_is_checked_before_reading_pages(monkeypatch):
    """The limit comes from the page tree's /Count: no page is parsed, read or OCRed."""

    def refuse(*args, **kwargs):
        raise AssertionError("a page was read before the page limit was checked")

    monkeypatch.setattr(PdfReader, "pages", property(refuse))
    monkeypatch.setattr(extract_module, "read_pages", refuse)
    monkeypatch.setattr(extract_module, "ocr_source", refuse)
    data = _pdf(pages=400, text="")
    with pytest.raises(ExtractionError) as info:
        extract(data, "bill", max_pages=50)
    assert info.value.code == "too_many_pages"
    assert "400" in info.value.reason


@pytest.mark.ocr
@pytest.mark.skipif(not tesseract_available(), reason="tesseract not installed")
def test_max_pages_parameter():
    data = _pdf(pages=3)
    with pytest.raises(ExtractionError):
        extract(data, "bill", max_pages=2)
    assert extract(data, "bill", max_pages=3)["pages"] == 3


def test_giant_page_is_refused_before_rasterising():
    """An image-only PDF page of 5 m x 5 m would be a 2-gigapixel raster at 150 dpi."""
    with pytest.raises(ExtractionError) as info:
        extract(_pdf(size=(14_000, 14_000), text=""), "bill")
    assert info.value.code == "decompression_bomb"


def test_count_pages_is_cheap_and_handles_images():
    assert count_pages(_pdf(pages=7)) == 7
    frames = [Image.new("L", (50, 50), 255) for _ in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    assert count_pages(out.getvalue()) == 3


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        extract(_pdf(), "passport")


def _tiff_with_a_giant_second_frame() -> bytes:
    """A small first frame, then one over the pixel limit: bilevel and
    Group 4 compressed, so the file stays tiny."""
    from addons.digitization.extract.source import MAX_IMAGE_PIXELS

    side = int(MAX_IMAGE_PIXELS**0.5) + 100
    small = Image.new("1", (100, 100), 1)
    giant = Image.new("1", (side, side), 1)
    buf = io.BytesIO()
    small.save(buf, "TIFF", save_all=True, append_images=[giant], compression="group4")
    return buf.getvalue()


def test_every_tiff_frame_is_checked_against_the_pixel_limit():
    """Issue 11 #11: the first frame alone was checked."""
    data = _tiff_with_a_giant_second_frame()
    assert len(data) < 100_000
    with pytest.raises(ExtractionError) as caught:
        count_pages(data)
    assert caught.value.code == "decompression_bomb"


def test_the_page_preview_refuses_a_giant_frame(app):
    from addons.digitization.pages import PageUnavailable, _frame

    with pytest.raises(PageUnavailable, match="too large"):
        _frame(_tiff_with_a_giant_second_frame(), 2, 800)
