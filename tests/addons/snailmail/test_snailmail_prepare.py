"""``prepare()``: A4 checks, blank margins, the address in the window, bad input."""

from __future__ import annotations

import io
import subprocess

import pypdf
import pytest
from PIL import Image

from addons.snailmail import LetterError, prepare
from addons.snailmail.printable import prepare_letter
from tests.addons.snailmail import documents
from tests.addons.snailmail.checks import check_letter

ADDRESS = documents.ADDRESS
LINES = ["Marie Dubois", "Rue de la Loi 16", "1000 BRUXELLES", "BELGIUM"]


def pages_of(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("window", ["right", "left"])
def test_address_lies_in_the_window_and_nothing_else_does(window):
    letter = prepare_letter(documents.pdf(3), ADDRESS, window=window)
    assert list(letter.address) == LINES
    assert (letter.pages, letter.sheets) == (3, 3)
    assert check_letter(letter.pdf, LINES, window=window, pages=3) == []


def test_the_streams_every_page_has_are_written_once():
    """The margins' save and blanking streams and the font are one object each,
    which every page refers to: a long letter does not grow by a copy per page."""
    letter = prepare_letter(documents.pdf(4), ADDRESS)
    pages = pypdf.PdfReader(io.BytesIO(letter.pdf)).pages
    contents = [page["/Contents"] for page in pages]
    assert {parts[0].idnum for parts in contents} == {contents[0][0].idnum}
    blanks = {parts[-1].idnum for parts in contents[1:]}
    assert len(blanks) == 1 and contents[0][-1].idnum not in blanks  # page 1 has the address
    font = pages[0]["/Resources"]["/Font"].raw_get("/SnailmailAddress")
    assert isinstance(font, pypdf.generic.IndirectObject)


def test_the_address_follows_the_countrys_own_layout():
    us = {
        "name": "Jane Roe",
        "street": "1600 Amphitheatre Pkwy",
        "zip": "94043",
        "city": "Mountain View",
        "state": "CA",
        "country_code": "US",
    }
    letter = prepare_letter(documents.pdf(1), us)
    assert list(letter.address) == [
        "Jane Roe",
        "1600 Amphitheatre Pkwy",
        "MOUNTAIN VIEW, CA 94043",
        "UNITED STATES",
    ]
    assert check_letter(letter.pdf, letter.address) == []


def test_cover_page_carries_the_address_and_a_blank_back_when_duplex():
    document = documents.pdf(2, in_window=True)  # the window is busy: a cover is needed
    letter = prepare_letter(document, ADDRESS, cover=True)
    assert (letter.pages, letter.sheets) == (3, 3)
    assert check_letter(letter.pdf, LINES, cover=True, pages=3) == []
    duplex = prepare_letter(document, ADDRESS, cover=True, duplex=True)
    assert (duplex.pages, duplex.sheets) == (4, 2)
    reader = pypdf.PdfReader(io.BytesIO(duplex.pdf))
    assert reader.pages[1].extract_text().strip() == ""
    assert "Someone Else" in reader.pages[2].extract_text()


def test_margins_and_the_corner_square_are_painted_white_over_the_page(tmp_path):
    path = tmp_path / "letter.pdf"
    path.write_bytes(prepare(documents.pdf(1, full_page=True), ADDRESS, cover=True))
    subprocess.run(
        ["pdftoppm", "-r", "72", "-png", "-f", "2", "-l", "2", str(path), str(tmp_path / "p")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    width, height = image.size
    px = 72 / 25.4  # pixels per mm at 72 dpi
    white = (255, 255, 255)
    for x, y in [(2, 150), (207, 150), (100, 2), (100, 295), (10, 288), (14, 284)]:
        assert image.getpixel((int(x * px), int(y * px))) == white, (x, y)
    for x, y in [(7, 150), (100, 7), (17, 280), (100, 150)]:
        assert image.getpixel((int(x * px), int(y * px))) != white, (x, y)


def test_text_in_the_window_without_a_cover_is_refused():
    with pytest.raises(LetterError) as error:
        prepare(documents.pdf(1, in_window=True), ADDRESS)
    assert error.value.code == "FORMAT_ERROR"
    assert "the address area of page 1 is not empty" in str(error.value).lower()
    # The left window is elsewhere: the same page is fine there.
    assert pages_of(prepare(documents.pdf(1, in_window=True), ADDRESS, window="left")) == 1


def test_a_white_background_does_not_count_as_content():
    assert pages_of(prepare(documents.pdf(1), ADDRESS)) == 1


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (
            lambda: documents.pdf(1, size=documents.US_LETTER),
            "FORMAT_ERROR",
            "Please use an A4 paper format",
        ),
        (lambda: documents.pdf(1, size=documents.A4_LANDSCAPE), "FORMAT_ERROR", "landscape"),
        (documents.encrypted, "ATTACHMENT_ERROR", "password-protected"),
        (lambda: b"", "ATTACHMENT_ERROR", "empty (0 bytes)"),
        (lambda: documents.pdf(2)[:400], "ATTACHMENT_ERROR", "damaged"),
        (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 50, "ATTACHMENT_ERROR", "damaged"),
        (documents.png, "ATTACHMENT_ERROR", "is a PNG image"),
        (lambda: documents.pdf(200), "FORMAT_ERROR", "200 sheets"),
    ],
    ids=[
        "us-letter",
        "landscape",
        "encrypted",
        "empty",
        "truncated",
        "corrupt",
        "png",
        "200-pages",
    ],
)
def test_bad_documents_are_refused_with_a_clear_message(document, code, words):
    with pytest.raises(LetterError) as error:
        prepare(document(), ADDRESS)
    assert error.value.code == code
    assert words in str(error.value)


def test_a_second_page_in_another_size_is_named():
    writer = pypdf.PdfWriter()
    for data in (documents.pdf(1), documents.pdf(1, size=documents.US_LETTER)):
        writer.append(pypdf.PdfReader(io.BytesIO(data)))
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(LetterError, match="page 2 measures 216 × 279 mm"):
        prepare(buffer.getvalue(), ADDRESS)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"zip": "1000AB"}, "zip", "postal code 1000AB is not valid for Belgium"),
        ({"street": ""}, "street", "has no street"),
        ({"city": "", "zip": ""}, "city", "has no city and postal code"),
        ({"name": None}, "name", "has no name"),
        ({"country_code": ""}, "country_code", "has no country"),
        ({"country_code": "XZ"}, "country_code", "XZ is not a known country code"),
        (
            {"street": "Rue " + "très longue " * 7 + "16"},
            "street",
            "too long for the envelope window",
        ),
        ({"name": "マリー"}, None, "cannot be printed"),
    ],
    ids=[
        "postal-code",
        "street",
        "city-zip",
        "name",
        "country",
        "unknown-country",
        "90-chars",
        "script",
    ],
)
def test_bad_addresses_name_the_field(change, field, words):
    address = {**ADDRESS, **change}
    with pytest.raises(LetterError) as error:
        prepare(documents.pdf(1), address)
    assert error.value.code == "MISSING_REQUIRED_FIELDS"
    assert error.value.field == field
    assert words in str(error.value)


def test_a_long_line_that_fits_at_a_smaller_size_is_printed_smaller():
    address = {**ADDRESS, "street": "Avenue du Port 86C boîte 204, Tour et Taxis"}
    letter = prepare_letter(documents.pdf(1), address)
    assert check_letter(letter.pdf, letter.address) == []


def test_an_image_or_a_drawing_in_the_window_counts_as_content():
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    for draw in (
        lambda c: c.rect(130 * mm, 297 * mm - 75 * mm, 20 * mm, 5 * mm, fill=1),
        lambda c: c.drawInlineImage(
            documents_image(), 130 * mm, 297 * mm - 80 * mm, 20 * mm, 10 * mm
        ),
    ):
        buffer = io.BytesIO()
        sheet = canvas.Canvas(buffer, pagesize=documents.A4_LANDSCAPE[::-1])
        draw(sheet)
        sheet.showPage()
        sheet.save()
        with pytest.raises(LetterError, match="address area of page 1 is not empty"):
            prepare(buffer.getvalue(), ADDRESS)


def documents_image():
    return Image.new("RGB", (8, 8), "black")


def test_the_content_scanner_reads_real_pdfs_as_pypdf_does():
    """The window check's own tokenizer against pypdf's parser, on the shared corpus."""
    from pathlib import Path

    from addons.snailmail.marks import operations

    corpus = sorted(Path("/work/shared/corpus").glob("**/*.pdf"))[:25]
    if not corpus:
        pytest.skip("no corpus at /work/shared/corpus")
    for path in corpus:
        page = pypdf.PdfReader(path).pages[0]
        contents = page.get_contents()
        ours = [op for _, op in operations(contents.get_data())]
        assert ours == [op for _, op in contents.operations], path.name
