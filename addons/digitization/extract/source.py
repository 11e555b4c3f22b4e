"""Open an input document and refuse bad ones before any heavy work.

The type comes from magic bytes, never from the file name. Only cheap header reads
happen here: the PDF page tree's ``/Count`` and the image header, so a 10,000-page PDF
or a 100-gigapixel PNG is rejected in milliseconds.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from dataclasses import dataclass

from PIL import Image
from pypdf import PdfReader

from .errors import ExtractionError

# Pillow's own default is about 89 Mpx; we set it explicitly so the limit does not
# depend on the Pillow version. 60 Mpx is an A4 page at ~730 dpi, far beyond any scan.
MAX_IMAGE_PIXELS = 60_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

DEFAULT_MAX_PAGES = 50
# The page tree walk stops here: the count only has to exceed any page limit.
MAX_TREE_PAGES = 100_000

_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}
# Formats we recognise but do not read, with a name the user will understand.
_UNSUPPORTED_MAGIC = {
    b"GIF87a": "GIF image",
    b"GIF89a": "GIF image",
    b"PK\x03\x04": "ZIP archive or Office document (e.g. .docx)",
    b"PK\x05\x06": "ZIP archive",
    b"\xd0\xcf\x11\xe0": "legacy Office document (e.g. .doc)",
    b"BM": "BMP image",
    b"%!PS": "PostScript file",
    b"{\\rtf": "RTF document",
    b"\x1f\x8b": "gzip archive",
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf": "7-Zip archive",
}

# pypdf logs every repair it attempts on damaged files; that is noise for callers.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass
class Source:
    """A document that passed the guards. ``kind`` is pdf, png, jpeg or tiff."""

    data: bytes
    kind: str
    pages: int
    reader: PdfReader | None = None  # kept so the PDF is parsed once


def sniff(data: bytes) -> str | None:
    """Return pdf/png/jpeg/tiff, ``"unsupported:<name>"`` or None for unknown bytes."""
    # What the file starts with wins: a zip holding an uncompressed PDF has a
    # "%PDF-" in its first kilobyte too, but it is a zip.
    for magic, kind in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "unsupported:WebP image"
    for magic, name in _UNSUPPORTED_MAGIC.items():
        if data.startswith(magic):
            return f"unsupported:{name}"
    # The PDF spec tolerates junk before the header within the first 1024 bytes;
    # a zip's end-of-archive record near the end still gives an archive away.
    if b"%PDF-" in data[:1024]:
        if b"PK\x05\x06" in data[-65_558:] and b"PK\x03\x04" in data[:1024]:
            return "unsupported:ZIP archive"
        return "pdf"
    return None


def read_bytes(source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            return fh.read()
    raise TypeError(f"source must be a path or bytes, not {type(source).__name__}")


def open_pdf(data: bytes) -> PdfReader:
    """A pypdf reader on ``data``; raises ExtractionError for encrypted/corrupt files."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                # Owner-password-only PDFs open with an empty user password.
                opened = reader.decrypt("")
            except Exception:
                opened = 0
            if not opened:
                raise ExtractionError(
                    "encrypted",
                    "This PDF is password-protected. Please upload an unprotected copy.",
                )
        reader.trailer["/Root"]["/Pages"]  # noqa: B018 - forces the catalog to resolve
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(
            "corrupt", "This PDF is damaged and cannot be read. Please export it again."
        ) from exc
    return reader


def pdf_page_count(reader: PdfReader, limit: int | None = None) -> int:
    """Page count from the page tree's leaves, never from its ``/Count``, which
    can lie. Only the tree's dictionaries are read, no page content; past
    ``limit`` the walk stops (the caller refuses the document anyway)."""
    try:
        root = reader.trailer["/Root"]["/Pages"].get_object()
        count, stack, seen = 0, [root], set()
        while stack:
            node = stack.pop()
            key = id(node)
            if key in seen:
                raise ExtractionError("corrupt", "This PDF's page tree loops on itself.")
            seen.add(key)
            kids = node.get("/Kids")
            if node.get("/Type") == "/Page" or kids is None:
                count += 1
                if limit is not None and count > limit:
                    break
                continue
            stack.extend(kid.get_object() for kid in reversed(list(kids)))
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError("corrupt", "This PDF has no readable page tree.") from exc
    if count <= 0:
        raise ExtractionError("corrupt", "This PDF has no pages.")
    return count


def open_image(data: bytes) -> Image.Image:
    """Open an image lazily (header only), refusing decompression bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb() from exc
    except Exception as exc:
        raise ExtractionError("corrupt", "This image is damaged and cannot be read.") from exc
    check_pixels(*image.size)
    return image


def check_pixels(width: float, height: float) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        raise _bomb()


def _bomb() -> ExtractionError:
    return ExtractionError(
        "decompression_bomb",
        f"This image is too large to process (over {MAX_IMAGE_PIXELS // 1_000_000} "
        "megapixels). Please scan at 300 dpi or less.",
    )


def image_frame_count(image: Image.Image) -> int:
    """Frames of a (multi-page) image, each checked against the pixel limit:
    a small first frame must not let a gigantic second one through."""
    try:
        frames = max(1, int(getattr(image, "n_frames", 1)))
        for number in range(1, frames):
            image.seek(number)  # reads the frame's header, decodes nothing
            check_pixels(*image.size)
        if frames > 1:
            image.seek(0)
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError("corrupt", "This image is damaged and cannot be read.") from exc
    return frames


def load(source, max_pages: int | None = DEFAULT_MAX_PAGES) -> Source:
    """Read ``source`` (path or bytes), identify it and apply the cheap guards."""
    data = read_bytes(source)
    if not data:
        raise ExtractionError("empty", "The file is empty.")
    kind = sniff(data)
    if kind is None:
        raise ExtractionError(
            "not_pdf",
            "This file is not a PDF or a supported image (PNG, JPEG, TIFF); it may be "
            "damaged or have the wrong extension.",
        )
    if kind.startswith("unsupported:"):
        raise ExtractionError(
            "unsupported_type",
            f"Unsupported file type ({kind.split(':', 1)[1]}). "
            "Please upload a PDF, PNG, JPEG or TIFF.",
        )
    reader = None
    if kind == "pdf":
        reader = open_pdf(data)
        pages = pdf_page_count(reader, limit=MAX_TREE_PAGES)
    else:
        pages = image_frame_count(open_image(data))
    if max_pages is not None and pages > max_pages:
        raise ExtractionError(
            "too_many_pages",
            f"This document has {pages} pages; at most {max_pages} can be digitized at once.",
        )
    return Source(data=data, kind=kind, pages=pages, reader=reader)
