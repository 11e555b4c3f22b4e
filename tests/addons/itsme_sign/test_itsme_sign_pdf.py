"""The signed PDF's parts: fields stamped where they were placed, the instance's key."""

import io
import multiprocessing
import os
import stat
from types import SimpleNamespace

from pypdf import PdfReader

from tests.addons.itsme_sign import documents


def _field(kind, page, x, y, value, width=150, height=18, signer_id=1):
    return SimpleNamespace(
        signer_id=signer_id, kind=kind, page=page, x=x, y=y, width=width, height=height, value=value
    )


def _positions(data: bytes, page: int) -> dict[str, tuple[float, float]]:
    found = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            found[text.strip()] = (cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3])

    PdfReader(io.BytesIO(data)).pages[page - 1].extract_text(visitor_text=visit)
    return found


def test_fields_are_stamped_in_place_over_the_untouched_page():
    from addons.itsme_sign import stamping

    original = documents.pdf(2)
    signer = SimpleNamespace(id=1, signature_png=None)
    stamped = stamping.stamp(
        original,
        [_field("text", 2, 72, 300, "Brussels office"), _field("date", 1, 400, 100, "2026-12-07")],
        {1: signer},
    )
    page_height = 841.89
    x, y = _positions(stamped, 2)["Brussels office"]
    assert 72 <= x <= 80
    assert page_height - 300 - 18 <= y <= page_height - 300  # inside the box, top-left based
    x, y = _positions(stamped, 1)["2026-12-07"]
    assert 400 <= x <= 408 and page_height - 118 <= y <= page_height - 100
    # The page's own content is still there, as it was.
    assert "Employment contract, page 2" in documents.text_of(stamped)
    original_stream = PdfReader(io.BytesIO(original)).pages[1].get_contents().get_data()
    assert original_stream in PdfReader(io.BytesIO(stamped)).pages[1].get_contents().get_data()


def test_a_rotated_page_is_stamped_upright_where_the_sender_saw_the_field():
    from pypdf import PdfWriter

    from addons.itsme_sign import pdfs, stamping

    writer = PdfWriter(clone_from=io.BytesIO(documents.pdf(1)))
    writer.pages[0].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    (size,) = pdfs.check(out.getvalue(), max_pages=5)
    assert size.width > size.height  # the page as shown: landscape
    stamped = stamping.stamp(
        out.getvalue(), [_field("text", 1, 72, 100, "Landscape note")], {1: SimpleNamespace()}
    )
    x, y = _positions(stamped, 1)["Landscape note"]
    page = PdfReader(io.BytesIO(stamped)).pages[0]
    assert int(page.get("/Rotate", 0)) % 360 == 0
    assert (
        72 <= x <= 80
        and float(page.mediabox.height) - 118 <= y <= float(page.mediabox.height) - 100
    )


def _make_key(folder):
    from pathlib import Path

    from addons.itsme_sign import pades

    return pades.ensure_key(Path(folder)).read_bytes()


def test_the_instance_key_is_made_once_0600_even_by_processes_at_once(tmp_path):
    from addons.itsme_sign import pades

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        keys = pool.map(_make_key, [str(tmp_path)] * 4)
    assert len(set(keys)) == 1
    path = tmp_path / pades.KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert (tmp_path / pades.CERT_FILE).read_bytes() == pades.certificate_pem(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [pades.CERT_FILE, pades.KEY_FILE]


def test_names_beyond_latin_1_are_stamped_with_an_embedded_font():
    from addons.itsme_sign import stamping

    stamped = stamping.stamp(
        documents.pdf(1),
        [_field("name", 1, 72, 100, "Łukasz Żółć"), _field("name", 1, 72, 200, "Zoë Dupont")],
        {1: SimpleNamespace()},
    )
    text = documents.text_of(stamped)
    assert "Łukasz Żółć" in text and "Zoë Dupont" in text
