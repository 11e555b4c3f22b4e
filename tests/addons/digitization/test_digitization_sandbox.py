"""Document reading runs in a child process with memory, time and inflated-size
limits; the page count comes from the page tree; the type from the whole file
(issue 11 #3)."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject
from reportlab.pdfgen import canvas

from addons.digitization.extract import ExtractionError, count_pages, sandbox
from addons.digitization.extract.sandbox import Limits


def _pdf(pages: int = 1) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(pages):
        c.drawString(72, 72, f"Invoice {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _bomb_pdf(inflated: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes."""
    content = zlib.compress(b" " * inflated, 9)
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>",
        b"<</Length %d/Filter/FlateDecode>>stream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _with_count(data: bytes, count: int) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer._root_object["/Pages"].get_object()[NameObject("/Count")] = NumberObject(count)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_stream_inflating_past_the_cap_is_refused_in_the_child():
    data = _bomb_pdf(40 * 1024 * 1024)
    assert len(data) < 100_000
    limits = Limits(stream_inflated=16 * 1024 * 1024)
    with pytest.raises(ExtractionError) as caught:
        sandbox.extract(data, "bill", limits=limits)
    assert caught.value.code == "decompression_bomb"
    # Within the caps the same kind of file is read normally.
    assert sandbox.count_pages(_bomb_pdf(1024), limits=limits) == 1


def test_the_whole_document_has_a_cap_too():
    limits = Limits(stream_inflated=30 * 1024 * 1024, document_inflated=50 * 1024 * 1024)
    one = _bomb_pdf(20 * 1024 * 1024)
    assert sandbox.check_inflated_sizes(one, limits) >= 20 * 1024 * 1024
    with pytest.raises(ExtractionError):
        sandbox.check_inflated_sizes(one + one + one, limits)


@pytest.mark.slow
def test_memory_beyond_the_limit_fails_the_document_cleanly():
    """The reading itself (pypdf, pdfplumber) hits RLIMIT_AS: a clean refusal."""
    limits = Limits(memory=400 * 1024 * 1024, stream_inflated=2**40, document_inflated=2**40)
    with pytest.raises(ExtractionError) as caught:
        sandbox.extract(_bomb_pdf(600 * 1024 * 1024), "bill", limits=limits)
    assert caught.value.code == "decompression_bomb"


def test_a_reading_past_the_time_limit_is_stopped():
    with pytest.raises(ExtractionError) as caught:
        sandbox.extract(_pdf(30), "bill", limits=Limits(seconds=0.01))
    assert caught.value.code == "too_slow"


def test_pages_are_counted_from_the_page_tree_not_its_count():
    assert count_pages(_with_count(_pdf(3), 1)) == 3
    assert count_pages(_with_count(_pdf(1), 100_000)) == 1
    with pytest.raises(ExtractionError) as caught:
        count_pages(_with_count(_pdf(60), 2), max_pages=50)
    assert caught.value.code == "too_many_pages"


def test_a_zip_holding_an_uncompressed_pdf_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("x.pdf", _pdf())
    data = buf.getvalue()
    assert b"%PDF-" in data[:1024]
    with pytest.raises(ExtractionError) as caught:
        count_pages(data)
    assert caught.value.code == "unsupported_type"
