"""OCR of scanned pages with the ``tesseract`` binary (TSV output for word boxes).

One tesseract process per page with ``OMP_THREAD_LIMIT=1``: tesseract's own OpenMP
threading scales badly, one single-threaded process per core is faster overall.
Pages run in parallel on a thread pool (threads only wait on subprocesses). PDF pages
are rasterised by poppler's ``pdftoppm``, one page per call, inside the same task.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from . import pp_ocr
from .errors import ExtractionError
from .layout import Page, Word, estimate_skew, rotate_words
from .source import Source, check_pixels, open_image

OCR_LANGS = "eng+fra+nld+deu"
RASTER_DPI = 150  # for PDF pages; matches common office scanners' default
DEFAULT_IMAGE_DPI = 150  # when an image does not say its resolution
PAGE_TIMEOUT = 120
# Page segmentation mode 4 ("single column of text of variable sizes") keeps table rows
# together better than the default 3 on bills; measured on the bench corpus (3: 88%,
# 4: 90%, 6: 88%, 11: 88% of scanned-bill fields before later tuning). The variable
# exists for experiments only.
TESSERACT_PSM = os.environ.get("DIGITIZE_TESSERACT_PSM", "4")
TESSERACT = "tesseract"
PP_OCR = "pp-ocr"  # see pp_ocr.py: photos of receipts


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def tesseract_command(image_path: str, dpi: int, psm: str | None = None) -> list[str]:
    """The exact command run per page (the bench runs it raw for comparison)."""
    return ["tesseract", image_path, "stdout", "-l", OCR_LANGS, "--dpi", str(dpi),
            "--psm", psm or TESSERACT_PSM, "tsv"]  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _run_tesseract(image_path: str, dpi: int, psm: str | None = None) -> str:
    if not tesseract_available():
        raise RuntimeError("the tesseract binary is not installed; scans cannot be read")
    proc = subprocess.run(
        tesseract_command(image_path, dpi, psm),
        capture_output=True,
        env=_env(),
        timeout=PAGE_TIMEOUT,
    )
    if proc.returncode != 0:
        raise ExtractionError("corrupt", "A page of this document could not be read as an image.")
    return proc.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str, page: int, dpi: int) -> tuple[list[Word], list[list[Word]], tuple]:
    """Words (in points), tesseract's own line grouping, and the page size in points."""
    scale = 72.0 / dpi
    words: list[Word] = []
    rows: dict[tuple, list[Word]] = {}
    size = (0.0, 0.0)
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(reader, None)  # header
    for row in reader:
        if len(row) < 12:
            continue
        level = row[0]
        if level == "1":
            size = (int(row[8]) * scale, int(row[9]) * scale)
            continue
        text = row[11].strip()
        if level != "5" or not text:
            continue
        left, top, width, height = (int(v) for v in row[6:10])
        word = Word(
            text=text,
            x0=left * scale,
            top=top * scale,
            x1=(left + width) * scale,
            bottom=(top + height) * scale,
            page=page,
            size=height * scale,
            conf=max(0.0, float(row[10])) / 100.0,
        )
        words.append(word)
        rows.setdefault((row[2], row[3], row[4]), []).append(word)
    return words, list(rows.values()), size


def _read_image(image_path: str, number: int, dpi: int, engine: str) -> tuple:
    if engine == PP_OCR:
        return pp_ocr.read_image(image_path, number, dpi)
    return parse_tsv(_run_tesseract(image_path, dpi), number, dpi)


def _page_from_image(
    image_path: str, number: int, dpi: int, trim: tuple | None = None, engine: str = TESSERACT
) -> Page:
    """``trim``: (left, top, full width, full height) in pixels when ``image_path`` is
    the page cut out of a larger image; the words are placed back on the full page."""
    words, rows, (width, height) = _read_image(image_path, number, dpi, engine)
    if trim is not None:
        scale = 72.0 / dpi
        dx, dy = trim[0] * scale, trim[1] * scale
        for word in words:
            word.x0, word.x1, word.top, word.bottom = (
                word.x0 + dx, word.x1 + dx, word.top + dy, word.bottom + dy
            )  # fmt: skip
        width, height = trim[2] * scale, trim[3] * scale
    # Undo scan skew on the coordinates (cheap) rather than on the image (costly): a
    # 1.5° skew moves the right end of an A4 line by a full text line.
    rotate_words(words, estimate_skew(rows), width / 2, height / 2)
    return Page(number, width or 1.0, height or 1.0, words, "ocr", rows=rows)


def _pdf_page_task(pdf_path: str, number: int, tmp: str, engine: str) -> Page:
    stem = os.path.join(tmp, f"page{number}")
    # PGM, not PNG: pdftoppm's PNG encoder costs ~2 s per A4 page, PGM ~0.05 s.
    proc = subprocess.run(
        pdftoppm_command(pdf_path, number, stem), capture_output=True, timeout=PAGE_TIMEOUT
    )
    if proc.returncode != 0 or not os.path.exists(stem + ".pgm"):
        raise ExtractionError("corrupt", "A page of this PDF could not be rendered.")
    return _page_from_image(stem + ".pgm", number, RASTER_DPI, None, engine)


def pdftoppm_command(pdf_path: str, number: int, stem: str) -> list[str]:
    """Rasterise one page to ``stem + ".pgm"`` (greyscale) at RASTER_DPI."""
    return ["pdftoppm", "-r", str(RASTER_DPI), "-gray", "-singlefile",
            "-f", str(number), "-l", str(number), pdf_path, stem]  # fmt: skip


def _image_dpi(image: Image.Image) -> int:
    dpi = image.info.get("dpi")
    try:
        value = int(round(float(dpi[0]))) if dpi else 0
    except (TypeError, ValueError):
        value = 0
    return value if 50 <= value <= 1200 else DEFAULT_IMAGE_DPI


def ocr_source(
    source: Source,
    page_numbers: list[int],
    page_sizes: list[tuple[float, float]] | None = None,
    workers: int | None = None,
    engine: str = TESSERACT,
) -> dict[int, Page]:
    """OCR the given 1-based pages of ``source`` with ``engine`` (:data:`TESSERACT` or
    :data:`PP_OCR`); returns {page number: Page}."""
    if not page_numbers:
        return {}
    engine = os.environ.get("DIGITIZE_OCR_ENGINE", engine)
    workers = max(1, min(len(page_numbers), workers or os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="digitize-") as tmp:
        tasks = []
        if source.kind == "pdf":
            for number in page_numbers:
                width, height = page_sizes[number - 1]
                check_pixels(width / 72 * RASTER_DPI, height / 72 * RASTER_DPI)
            pdf_path = os.path.join(tmp, "in.pdf")
            with open(pdf_path, "wb") as fh:
                fh.write(source.data)
            tasks = [(_pdf_page_task, (pdf_path, n, tmp, engine)) for n in page_numbers]
        else:
            image = open_image(source.data)
            dpi = _image_dpi(image)
            if source.pages == 1:
                # Tesseract reads PNG/JPEG/TIFF itself: no decode/re-encode on our side,
                # unless the paper lies on a dark ground that must be cut off first.
                path = os.path.join(tmp, f"in.{source.kind}")
                with open(path, "wb") as fh:
                    fh.write(source.data)
                path, trim = trim_dark_ground(source.data, path, tmp)
                tasks = [(_page_from_image, (path, 1, dpi, trim, engine))]
            else:
                for number in page_numbers:  # multi-page TIFF: one PNG per frame
                    try:
                        image.seek(number - 1)
                        check_pixels(*image.size)
                        path = os.path.join(tmp, f"frame{number}.png")
                        image.save(path, "PNG")
                    except ExtractionError:
                        raise
                    except Exception as exc:
                        raise ExtractionError("corrupt", "This TIFF image is damaged.") from exc
                    dpi = _image_dpi(image)
                    tasks.append((_page_from_image, (path, number, dpi, None, engine)))
        if workers == 1:
            pages = [func(*args) for func, args in tasks]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                pages = list(pool.map(lambda task: task[0](*task[1]), tasks))
    return {page.number: page for page in pages}


# Images inside text PDFs are cut out of the page at a finer resolution than whole
# scans: they are small (a logo, an address block) and often hold small print.
REGION_DPI = 300
# One block of text: an address or a totals box is a single block, not a page.
REGION_PSM = "6"


def ocr_regions(
    source: Source, regions: list[tuple[int, tuple]], workers: int | None = None
) -> list[Word]:
    """OCR rectangles ``(page number, (x0, top, x1, bottom) in points)`` of a PDF;
    returns their words in page coordinates. A region that cannot be rendered or read
    is skipped: the text layer around it is read all the same."""
    if not regions or not tesseract_available():
        return []
    workers = max(1, min(len(regions), workers or os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="digitize-") as tmp:
        pdf_path = os.path.join(tmp, "in.pdf")
        with open(pdf_path, "wb") as fh:
            fh.write(source.data)
        tasks = [(pdf_path, number, box, os.path.join(tmp, f"region{i}"))
                 for i, (number, box) in enumerate(regions)]  # fmt: skip
        if workers == 1:
            found = [_region_task(*task) for task in tasks]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                found = list(pool.map(lambda task: _region_task(*task), tasks))
    return [word for words in found for word in words]


def _region_task(pdf_path: str, number: int, box: tuple, stem: str) -> list[Word]:
    scale = REGION_DPI / 72.0
    x, y = int(box[0] * scale), int(box[1] * scale)
    width, height = int(box[2] * scale) - x, int(box[3] * scale) - y
    try:
        check_pixels(width, height)
        command = ["pdftoppm", "-r", str(REGION_DPI), "-gray", "-singlefile",
                   "-f", str(number), "-l", str(number), "-x", str(x), "-y", str(y),
                   "-W", str(width), "-H", str(height), pdf_path, stem]  # fmt: skip
        proc = subprocess.run(command, capture_output=True, timeout=PAGE_TIMEOUT)
        if proc.returncode != 0 or not os.path.exists(stem + ".pgm"):
            return []
        tsv = _run_tesseract(stem + ".pgm", REGION_DPI, REGION_PSM)
    except (ExtractionError, subprocess.TimeoutExpired):
        return []
    words, _, _ = parse_tsv(tsv, number, REGION_DPI)
    dx, dy = x / scale, y / scale
    for word in words:
        word.x0, word.x1, word.top, word.bottom = (
            word.x0 + dx, word.x1 + dx, word.top + dy, word.bottom + dy
        )  # fmt: skip
    return words


# A photographed or scanned receipt often lies on a dark ground (the scanner's lid, a
# table, the torn edge of the roll): with it, Tesseract's global threshold can lose the
# whole page (a clean receipt read as nothing). Rows and columns at the edges that are
# mostly dark are cut off before the OCR.
DARK_LEVEL = 70  # grey level below which a pixel is ground, not paper
DARK_SHARE = 0.2  # an edge row or column this dark is ground
MAX_TRIM = 0.3  # never more than this share of a side


def dark_ground_box(image: Image.Image) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of the paper as shares of the image, or None when
    its edges are not dark. ``image`` is small (a thumbnail)."""
    grey = image.convert("L")
    width, height = grey.size
    if width < 8 or height < 8:
        return None
    dark = grey.point(lambda v: 255 if v < DARK_LEVEL else 0)

    def shares(box, across: bool) -> list[float]:
        """Dark share of each row (across) or column of ``box``."""
        x0, y0, x1, y1 = box
        if across:
            return [dark.crop((x0, y, x1, y + 1)).histogram()[255] / (x1 - x0)
                    for y in range(y0, y1)]  # fmt: skip
        return [dark.crop((x, y0, x + 1, y1)).histogram()[255] / (y1 - y0)
                for x in range(x0, x1)]  # fmt: skip

    def cut(shares: list[float]) -> tuple[int, int]:
        limit = int(len(shares) * MAX_TRIM)
        start = 0
        while start < limit and shares[start] > DARK_SHARE:
            start += 1
        end = len(shares)
        while len(shares) - end < limit and shares[end - 1] > DARK_SHARE:
            end -= 1
        return start, end

    # Rows, then columns over the rows kept, then rows again over the columns kept: a
    # wide dark band above the paper makes every column look a little dark.
    left, top, right, bottom = 0, 0, width, height
    for _ in range(2):
        top, bottom = (top + v for v in cut(shares((left, top, right, bottom), True)))
        left, right = (left + v for v in cut(shares((left, top, right, bottom), False)))
    if (left, top, right, bottom) == (0, 0, width, height):
        return None
    # One more row or column of margin: the threshold's edge is ragged.
    left, top = min(left + 1, width), min(top + 1, height)
    right, bottom = max(right - 1, left + 1), max(bottom - 1, top + 1)
    return left / width, top / height, right / width, bottom / height


def trim_dark_ground(data: bytes, path: str, tmp: str) -> tuple[str, tuple | None]:
    """``(path, None)``, or the path of the paper cut off its dark ground and
    ``(left, top, full width, full height)`` in pixels."""
    try:
        image = open_image(data)
        full = image.size
        image.draft("L", (full[0] // 8, full[1] // 8))  # JPEG: a cheap reduced decode
        small = image.convert("L")
        small.thumbnail((160, 320))
        box = dark_ground_box(small)
        if box is None:
            return path, None
        image = open_image(data)
        left, top = int(box[0] * full[0]), int(box[1] * full[1])
        right, bottom = int(box[2] * full[0]), int(box[3] * full[1])
        cut = os.path.join(tmp, "paper.pgm")
        image.convert("L").crop((left, top, right, bottom)).save(cut)
    except ExtractionError:
        raise
    except Exception:
        return path, None  # keep the image as it is: Tesseract may still read it
    return cut, (left, top, full[0], full[1])
