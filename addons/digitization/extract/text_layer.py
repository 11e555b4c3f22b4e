"""Words of a PDF's text layer, read with pdfplumber (no OCR)."""

from __future__ import annotations

import io

import pdfplumber

from .errors import ExtractionError
from .layout import Page, Word

# A page with fewer characters than this is treated as a scan (it may only carry a
# page number or a scanner's stamp in its text layer).
MIN_TEXT_CHARS = 20


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
                pages.append(Page(number, width, height, words, "text"))
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(
            "corrupt", "This PDF is damaged and cannot be read. Please export it again."
        ) from exc
    return pages, sizes
