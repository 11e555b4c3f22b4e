"""Turn a born-digital PDF into a plausible "scan": raster, skew, blur, noise.

All randomness comes from the ``random.Random`` passed in (noise included), so the
same seed yields byte-identical images.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import tempfile

from PIL import Image, ImageChops, ImageEnhance, ImageFilter

SCAN_DPI = 150
SCAN_FORMATS = ("png", "jpeg", "tiff", "pdf")


def rasterise(pdf: bytes, dpi: int = SCAN_DPI) -> Image.Image:
    """First page of ``pdf`` as a greyscale image, via poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.pdf")
        with open(src, "wb") as fh:
            fh.write(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-singlefile", src,
             os.path.join(tmp, "page")],
            check=True, capture_output=True,
        )  # fmt: skip
        with Image.open(os.path.join(tmp, "page.pgm")) as image:
            return image.convert("L")


def degrade(image: Image.Image, rng: random.Random) -> Image.Image:
    """Mild scanner artefacts: rotation within ±1.5°, blur, contrast shift, noise."""
    angle = rng.uniform(-1.5, 1.5)
    image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.75, 1.1))
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.95, 1.05))
    # Uniform per-pixel noise (deterministic: drawn from rng, not Pillow's C rand()).
    width, height = image.size
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    grain = noise.point(lambda v: 255 - (v % 24))  # darkens by 0..23 levels
    image = ImageChops.multiply(image, grain)
    # Sparse single-pixel specks (about 1 in 256 pixels), like dust on the glass.
    if rng.random() < 0.5:
        image = ImageChops.darker(image, noise.point(lambda v: 110 if v == 255 else 255))
    return image


def encode(image: Image.Image, fmt: str) -> bytes:
    """Encode a scan as PNG, JPEG, TIFF or an image-only PDF (no text layer)."""
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", dpi=(SCAN_DPI, SCAN_DPI))
    elif fmt == "jpeg":
        image.save(out, "JPEG", quality=80, dpi=(SCAN_DPI, SCAN_DPI))
    elif fmt == "tiff":
        image.save(out, "TIFF", compression="tiff_lzw", dpi=(SCAN_DPI, SCAN_DPI))
    elif fmt == "pdf":
        image.save(out, "PDF", resolution=SCAN_DPI)
    else:
        raise ValueError(fmt)
    return out.getvalue()


def make_scan(pdf: bytes, rng: random.Random, fmt: str) -> bytes:
    """Rasterise, degrade and encode the first page of ``pdf``."""
    return encode(degrade(rasterise(pdf), rng), fmt)
