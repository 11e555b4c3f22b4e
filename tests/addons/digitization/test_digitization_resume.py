"""Resume fields read through OCR's usual slips: spaces inside an address,
a capital split from its word, crumbs of a column read as a line."""

import pytest

from addons.digitization.extract.context import Doc
from addons.digitization.extract.layout import Page, Word
from addons.digitization.extract.resume import find_email, find_name


def ocr_page(*lines: tuple[str, float]) -> Doc:
    """A scanned page: one row of words per ``(text, size)``, top to bottom."""
    words, rows = [], []
    for row, (text, size) in enumerate(lines):
        x, top, line = 50.0, 40.0 + row * 30.0, []
        for token in text.split(" "):
            width = 7.0 * len(token)
            line.append(Word(token, x, top, x + width, top + size, 1, size, 0.9))
            x += width + 5.0
        words += line
        rows.append(line)
    return Doc([Page(1, 600.0, 800.0, words, "ocr", rows=rows)])


@pytest.mark.parametrize(
    "line, email, confident",
    [
        ("thomas.devries@ gmail.com | +32 470 70 40 40", "thomas.devries@gmail.com", True),
        ("pieter.lefevre@ web. de", "pieter.lefevre@web.de", True),
        ("sophie. janssens@gmail.com", "sophie.janssens@gmail.com", True),
        ("_noah.fischer@gmail.com", "noah.fischer@gmail.com", True),
        ("anna. janssens@out look. com | +33 6 23 58 06 77", "anna.janssens@outlook.com", True),
        ("write to anna@gmail.com today. Thanks", "anna@gmail.com", False),
        # A dot read as a space: what follows is kept, flagged for a look.
        ("anna muller@ telenet.be", "muller@telenet.be", False),
        ("Email: lea@x.be", "lea@x.be", True),
    ],
)
def test_email_through_ocr_slips(line, email, confident):
    field = find_email(ocr_page(("Anna Janssens", 20.0), (line, 10.0)))
    assert field["value"] == email
    assert (field["confidence"] >= 0.9) is confident


def test_no_email_is_no_email():
    assert (
        find_email(ocr_page(("Anna Janssens", 20.0), ("anna at gmail dot com", 10.0)))["value"]
        is None
    )


@pytest.mark.parametrize(
    "lines, name",
    [
        ([("J ulia Lambert", 20.0)], "Julia Lambert"),
        # The contact column read as crumbs in bigger boxes than the name.
        ([("ee", 26.0), ("Karim Van Damme", 20.0)], "Karim Van Damme"),
        ([("Anna Janssens", 20.0), ("Experience", 14.0)], "Anna Janssens"),
        # One word only: nothing better to offer, so it is still the answer.
        ([("Madonna", 20.0)], "Madonna"),
    ],
)
def test_name_through_ocr_slips(lines, name):
    assert find_name(ocr_page(*lines))["value"] == name
