"""Loads PP-OCR's models in the sandbox's fork server (see ``sandbox._context``).

Each document is read in a child forked from that server, which then starts with the
models in memory instead of loading them (about 0.2 s of CPU a receipt, some 10% of
its reading). Carrying an onnxruntime session across ``fork`` is safe only when it
owns no thread pool: with one intra-op and one inter-op thread its ``run`` works on
the calling thread, so nothing the child needs stays behind in the server. With more
threads (``DIGITIZE_PPOCR_THREADS``) the child loads its own models, as before.
"""

from __future__ import annotations

from . import pp_ocr

if pp_ocr.THREADS == 1 and pp_ocr.available():
    pp_ocr.warm()
