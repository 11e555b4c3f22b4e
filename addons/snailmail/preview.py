"""Page 1 as a picture, with the envelope window drawn on it (poppler's ``pdftoppm``)."""

from __future__ import annotations

import base64
import io
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from addons.snailmail.geometry import A4, WINDOWS

DPI = 50


def page_one(pdf: bytes, window: str, *, page: int = 1) -> str:
    """A ``data:image/png`` URL of ``page`` with ``window`` outlined in red."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "letter.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(DPI),
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
            timeout=30,
            capture_output=True,
        )
        image = Image.open(Path(folder) / "page.png").convert("RGB")
    scale = image.width / A4[0]
    box = WINDOWS[window]
    draw = ImageDraw.Draw(image)
    draw.rectangle(
        [box.x0 * scale, (A4[1] - box.y1) * scale, box.x1 * scale, (A4[1] - box.y0) * scale],
        outline=(200, 30, 30),
        width=2,
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
