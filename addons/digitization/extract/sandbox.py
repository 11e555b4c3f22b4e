"""Reading documents in a child process with a memory and a time limit.

pdfplumber, pypdf, Pillow and Tesseract all trust the file they are given: a
0.9 MB PDF whose content stream inflates to 900 MB took a worker to 2.2 GB.
So the job reads every document in a child process whose address space is
capped (``RLIMIT_AS``, inherited by Tesseract) and which is killed after a
time limit. Before the reading starts the child also measures what the
file's compressed streams inflate to, each and in all, and refuses the
document past the caps. Any of these ends the document with an
:class:`ExtractionError`, so ``charge()`` releases its hold: no credit spent.

:func:`count_pages` and :func:`extract` have the signatures of the
extraction library's functions of the same names.
"""

from __future__ import annotations

import importlib
import multiprocessing
import re
import resource
import signal
import zlib
from dataclasses import dataclass

from .errors import ExtractionError


@dataclass(frozen=True)
class Limits:
    # Address space of the child, Tesseract included. PP-OCR (onnxruntime, OpenCV and
    # the models) reads a receipt photo within 1 GB and fails at 768 MB: 1.5 GB holds it.
    memory: int = 1536 * 1024 * 1024
    seconds: float = 300
    stream_inflated: int = 256 * 1024 * 1024  # one compressed stream, inflated
    document_inflated: int = 1024 * 1024 * 1024  # all of them


DEFAULT_LIMITS = Limits()
_STREAM = re.compile(rb"stream\r?\n")
_CHUNK = 8 * 1024 * 1024


def _context():
    # A fork server: children start from a clean process that imported the
    # extraction library once, without the worker's threads and connections.
    context = multiprocessing.get_context("forkserver")
    # PP-OCR's packages (onnxruntime, OpenCV) are imported there too, ~0.5 s of CPU a
    # receipt would pay otherwise, and its models loaded (``pp_ocr_preload``). A
    # preload that fails to import is skipped by the fork server.
    context.set_forkserver_preload(
        [
            "addons.digitization.extract",
            "rapidocr",
            "onnxruntime",
            "addons.digitization.extract.pp_ocr_preload",
        ]
    )
    return context


def check_inflated_sizes(data: bytes, limits: Limits | None = None) -> int:
    """Total inflated size of the file's zlib streams; refuses a document whose
    streams inflate past the caps, without holding more than a chunk of them."""
    limits = limits or DEFAULT_LIMITS
    total = 0
    for match in _STREAM.finditer(data):
        start = match.end()
        if data[start : start + 1] not in (b"x", b"X", b"h", b"H"):  # not a zlib header
            continue
        end = data.find(b"endstream", start)
        inflater = zlib.decompressobj()
        pending = memoryview(data)[start : end if end > 0 else len(data)]
        size = 0
        try:
            while pending and not inflater.eof:
                size += len(inflater.decompress(pending, _CHUNK))
                pending = inflater.unconsumed_tail
                if size > limits.stream_inflated or total + size > limits.document_inflated:
                    raise _bomb()
        except zlib.error:
            pass  # not a stream after all, or damaged: the reader decides
        total += size
    return total


def _bomb() -> ExtractionError:
    return ExtractionError(
        "decompression_bomb",
        "This document expands to far more data than any invoice or receipt "
        "(a decompression bomb, or a damaged file); it was not read.",
    )


def _out_of_memory(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, MemoryError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def limit_memory(limits: Limits | None = None, *, pid: int = 0) -> None:
    """Cap the address space of this process, or of the process ``pid`` (a
    renderer just started)."""
    memory = (limits or DEFAULT_LIMITS).memory
    resource.prlimit(pid, resource.RLIMIT_AS, (memory, memory))


def _child(conn, name: str, args: tuple, kwargs: dict, limits: Limits) -> None:
    limit_memory(limits)
    try:
        # The package, not the function addons.digitization re-exports under its name.
        library = importlib.import_module("addons.digitization.extract")

        data = library.read_bytes(args[0])
        check_inflated_sizes(data, limits)
        result = getattr(library, name)(data, *args[1:], **kwargs)
        conn.send(("ok", result))
    except ExtractionError as exc:
        if _out_of_memory(exc):
            exc = _bomb()  # the library saw a "damaged" file: it was too big to read
        conn.send(("refused", (exc.code, exc.reason)))
    except MemoryError:
        conn.send(("refused", ("decompression_bomb", _bomb().reason)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        conn.send(("error", f"{type(exc).__name__}: {exc}"[:500]))
    finally:
        conn.close()


def run(name: str, *args, limits: Limits | None = None, **kwargs):
    """Call ``addons.digitization.extract.<name>(*args, **kwargs)`` in a child."""
    limits = limits or DEFAULT_LIMITS
    context = _context()
    parent, child_end = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child_end, name, args, kwargs, limits))
    process.start()
    child_end.close()
    try:
        if not parent.poll(limits.seconds):
            process.kill()
            raise ExtractionError(
                "too_slow",
                f"Reading this document took longer than {int(limits.seconds)} seconds; "
                "it was stopped.",
            )
        try:
            status, value = parent.recv()
        except EOFError:
            status, value = "died", None
    finally:
        parent.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    if status == "ok":
        return value
    if status == "refused":
        raise ExtractionError(*value)
    if status == "died" and process.exitcode in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
        # Out of memory in C code (a decoder, Tesseract) ends the child this way.
        raise _bomb()
    raise RuntimeError(f"document reading failed in the sandbox: {value or process.exitcode}")


def count_pages(source, max_pages: int | None = None, *, limits: Limits | None = None) -> int:
    return run("count_pages", source, max_pages=max_pages, limits=limits)


def extract(source, kind: str = "bill", *, limits: Limits | None = None, **kwargs) -> dict:
    return run("extract", source, kind, limits=limits, **kwargs)
