"""OCR of photographed receipts with PP-OCR (``rapidocr``, ONNX models shipped in its wheel).

Tesseract reads office scans well but loses much of a thermal-paper receipt photo:
faint print, letters misread, digits dropped. PP-OCR's text detector and recogniser,
trained on photos of text, read those far better at about Tesseract's cost (see
``bench/README_digitization.md``). The models come inside the ``rapidocr`` wheel and
are loaded from there: nothing is downloaded at run time.

One engine per process, made on first use and shared by the threads of
:func:`ocr.ocr_source` (onnxruntime sessions run concurrently). The sandbox reads each
document in a new child forked from its fork server, which has loaded the models once
(``pp_ocr_preload``), so a document does not pay for loading them.
Each session uses one thread, like Tesseract under ``OMP_THREAD_LIMIT=1``: pages run in
parallel, one per core.
"""

from __future__ import annotations

import os
import threading

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
# What the OCR's output depends on besides the image (the bench's cache key).
SETTINGS = f"text_score={TEXT_SCORE} cls={USE_CLS} det_min_side={DET_MIN_SIDE}"

_engine = None
_lock = threading.Lock()


def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def new_engine():
    """A PP-OCR engine; its models load from the wheel on first use (~0.2 s of CPU)."""
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
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
            text, score, quad = str(item[0]).strip(), float(item[1]), item[2]
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
