"""Words of a PDF's text layer, read with pdfplumber (no OCR)."""

from __future__ import annotations

import io

import pdfplumber

from .errors import ExtractionError
from .layout import Page, Word

# A page with fewer characters than this is treated as a scan (it may only carry a
# page number or a scanner's stamp in its text layer).
MIN_TEXT_CHARS = 20
# An image that can hold a line of text: smaller ones are rules, bullets and icons.
MIN_IMAGE_WIDTH, MIN_IMAGE_HEIGHT = 40.0, 12.0  # points
# An image with this many text-layer characters over it is already read (a scan
# with its OCR layer, a picture under a text box).
MAX_CHARS_OVER_IMAGE = 3
MAX_IMAGE_REGIONS = 6  # per page, largest first: bounds the OCR time of a page


def image_regions(pdf_page, width: float, height: float) -> list[tuple]:
    """(x0, top, x1, bottom) of the page's images that may hold text the text layer
    lacks, clipped to the page; overlapping images count once."""
    found: list[tuple[float, float, float, float]] = []
    for image in pdf_page.images:
        x0, top = max(0.0, float(image["x0"])), max(0.0, float(image["top"]))
        x1, bottom = min(width, float(image["x1"])), min(height, float(image["bottom"]))
        if x1 - x0 < MIN_IMAGE_WIDTH or bottom - top < MIN_IMAGE_HEIGHT:
            continue
        over = sum(
            1
            for c in pdf_page.chars
            if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
        )
        if over > MAX_CHARS_OVER_IMAGE:
            continue
        region = (x0, top, x1, bottom)
        if any(_inside(region, other) for other in found):
            continue
        found = [other for other in found if not _inside(other, region)] + [region]
    found.sort(key=lambda r: (r[2] - r[0]) * (r[3] - r[1]), reverse=True)
    return sorted(found[:MAX_IMAGE_REGIONS], key=lambda r: (r[1], r[0]))


def _inside(inner: tuple, outer: tuple) -> bool:
    return (
        inner[0] >= outer[0] - 1
        and inner[1] >= outer[1] - 1
        and inner[2] <= outer[2] + 1
        and inner[3] <= outer[3] + 1
    )


def read_pages(data: bytes, max_pages: int) -> tuple[list[Page | None], list[tuple[float, float]]]:
    """Return one Page per PDF page (None where the page needs OCR) and page sizes."""
    pages: list[Page | None] = []
    sizes: list[tuple[float, float]] = []
    try:
        with pdfplumber.open(io.BytesIO(data), password="") as pdf:
            for number, pdf_page in enumerate(pdf.pages[:max_pages], start=1):
                width, height = float(pdf_page.width), float(pdf_page.height)
                sizes.append((width, height))
                # Cheap check first: extracting words is the costly part.
                if len(pdf_page.chars) < MIN_TEXT_CHARS:
                    pages.append(None)
                    continue
                words = [
                    Word(
                        text=w["text"],
                        x0=float(w["x0"]),
                        top=float(w["top"]),
                        x1=float(w["x1"]),
                        bottom=float(w["bottom"]),
                        page=number,
                        size=float(w.get("size") or (w["bottom"] - w["top"])),
                    )
                    for w in pdf_page.extract_words(
                        keep_blank_chars=False, use_text_flow=False, extra_attrs=["size"]
                    )
                    if w["text"].strip()
                ]
                images = image_regions(pdf_page, width, height)
                pages.append(Page(number, width, height, words, "text", images=images))
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(
            "corrupt", "This PDF is damaged and cannot be read. Please export it again."
        ) from exc
    return pages, sizes
