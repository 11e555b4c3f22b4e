"""Receipts photographed or scanned on a dark ground (issue 13, real receipts): the
dark edges are cut off before Tesseract, which otherwise can read nothing at all of a
clean receipt, and the words are placed back on the whole image."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image, ImageDraw

from addons.digitization.extract import extract
from addons.digitization.extract.ocr import dark_ground_box, trim_dark_ground
from tests.addons.digitization.test_digitization_image_regions import _picture

LINES = ["SUNRISE MART SDN BHD", "JALAN MERDEKA 12", "", "DATE: 14-08-2017",
         "MILK 1L    RM 4.50", "BREAD      RM 3.90", "", "TOTAL      RM 8.40",
         "CASH       RM 10.00", "CHANGE     RM 1.60"]  # fmt: skip


def _receipt() -> Image.Image:
    def draw(sheet):
        sheet.setFont("Courier-Bold", 11)
        for i, text in enumerate(LINES):
            sheet.drawString(12, 200 - 16 * i, text)

    return Image.open(io.BytesIO(_picture(draw, 200, 220, dpi=200))).convert("L")


def _on_dark_ground(paper: Image.Image, margin=(40, 90, 30, 120)) -> Image.Image:
    left, top, right, bottom = margin
    ground = Image.new("L", (paper.width + left + right, paper.height + top + bottom), 25)
    ground.paste(paper, (left, top))
    # A torn edge: dark teeth biting into the paper's bottom.
    teeth = ImageDraw.Draw(ground)
    for x in range(left, left + paper.width, 24):
        bottom_y = top + paper.height
        teeth.polygon([(x, bottom_y), (x + 12, bottom_y - 14), (x + 24, bottom_y)], fill=25)
    return ground


def test_the_paper_is_found_on_its_dark_ground():
    image = _on_dark_ground(_receipt())
    small = image.copy()
    small.thumbnail((160, 320))
    left, top, right, bottom = dark_ground_box(small)
    width, height = image.size
    assert abs(left * width - 40) < 12 and abs(top * height - 90) < 12
    assert abs((1 - right) * width - 30) < 12
    assert abs((1 - bottom) * height - 120) < 30  # the teeth may be cut too


def test_paper_without_a_dark_ground_is_left_as_it_is(tmp_path):
    out = io.BytesIO()
    _receipt().save(out, "PNG")
    assert trim_dark_ground(out.getvalue(), "in.png", str(tmp_path)) == ("in.png", None)
    # A black header band printed on the paper, below its white margin, is not ground.
    banded = _receipt()
    ImageDraw.Draw(banded).rectangle((0, 12, banded.width, 60), fill=0)
    small = banded.copy()
    small.thumbnail((160, 320))
    assert dark_ground_box(small) is None


@pytest.mark.ocr
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")
def test_a_receipt_on_a_dark_ground_is_read_and_located_on_the_whole_image():
    image = _on_dark_ground(_receipt())
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(200, 200))
    result = extract(out.getvalue(), "expense")
    fields = result["fields"]
    assert fields["total_amount"]["value"] == "8.40"
    assert fields["date"]["value"] == "2017-08-14"
    assert fields["merchant"]["value"] == "SUNRISE MART SDN BHD"
    # The box is on the whole image: the paper starts 40 px right and 90 px down.
    x, y, _, _ = fields["merchant"]["box"]
    assert x * image.width >= 40 and y * image.height >= 90
