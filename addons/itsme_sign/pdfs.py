"""The uploaded PDF: checked before anything is kept, and its pages drawn for the editor."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

# Page pictures: 100 dpi is enough to place a box and read the text on a phone.
RENDER_DPI = 100


class PdfRefused(ValueError):
    """An upload that cannot be signed; the message says why, for the sender."""


@dataclass(frozen=True)
class PageSize:
    width: float
    height: float


def check(data: bytes, *, max_pages: int) -> list[PageSize]:
    """The page sizes (PDF points) of a PDF that can be signed, or :class:`PdfRefused`."""
    if not data:
        raise PdfRefused("The file is empty.")
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        raise PdfRefused("This file is not a PDF. Upload the document as a PDF.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRefused(
                "This PDF is protected by a password or encrypted. Upload it without protection."
            )
        count = len(reader.pages)
    except PdfRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise PdfRefused(f"This PDF cannot be read ({exc.__class__.__name__}).") from None
    if count == 0:
        raise PdfRefused("This PDF has no page.")
    if count > max_pages:
        raise PdfRefused(f"This PDF has {count} pages; at most {max_pages} can be signed.")
    sizes = []
    for page in reader.pages:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        if int(page.get("/Rotate", 0) or 0) % 180:
            width, height = height, width
        sizes.append(PageSize(width, height))
    return sizes


def render_pages(data: bytes) -> list[bytes]:
    """Every page as a PNG, in order (poppler's ``pdftoppm``)."""
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise PdfRefused("Page pictures need poppler's pdftoppm on the server.")
    with tempfile.TemporaryDirectory(prefix="itsme_sign_") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        subprocess.run(
            [binary, "-png", "-r", str(RENDER_DPI), str(source), str(Path(folder) / "p")],
            check=True,
            capture_output=True,
            timeout=300,
        )
        files = sorted(Path(folder).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        return [f.read_bytes() for f in files]
