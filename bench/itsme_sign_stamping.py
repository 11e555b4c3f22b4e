"""itsme Sign's signed PDF: stamping a 20-page PDF against the raw pypdf write.

    python bench/itsme_sign_stamping.py [--quick] [--seconds 3] [--rounds 4] [--pages 20]

Also run by ``bench/itsme_sign.py``. In one process, no database:

* **stamp**: ``addons.itsme_sign.stamping.stamp`` on a ``--pages`` page PDF
  with two signers' fields on every page (name and date, text on the first
  page) and a drawn signature (PNG) of each on the last page: a reportlab
  overlay per page merged with pypdf, the whole written out. Against **raw
  pypdf write**: ``PdfWriter(clone_from=reader).write()`` of the same PDF, the
  least a tool that returns a new PDF does.
* **signed PDF**: stamp + the certificate page + the PAdES signature
  (pyHanko, RSA 2048), what the completion job does, against the same raw
  write.

The kinds alternate in ``--rounds`` slices of ``--seconds`` each; "× raw" is
the median of the rounds' ratios (below 1: slower than the raw write).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from addons.itsme_sign import certificate, pades, stamping  # noqa: E402
from bench import common  # noqa: E402


def document(pages: int) -> bytes:
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=A4)
    for number in range(1, pages + 1):
        drawing.setFont("Helvetica", 11)
        for line in range(40):
            drawing.drawString(
                60, 780 - 18 * line, f"Page {number}, clause {line + 1}: " + "x" * 60
            )
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def signature_png() -> bytes:
    picture = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(picture).line(
        [(20 + 40 * i, 150 - 80 * (i % 2)) for i in range(14)], fill=(16, 32, 74, 255), width=5
    )
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def fields_and_signers(pages: int):
    png = signature_png()
    signers = {
        1: SimpleNamespace(id=1, name="Jan Peeters", signature_png=png),
        2: SimpleNamespace(id=2, name="Eva Smit", signature_png=png),
    }
    fields = []
    for page in range(1, pages + 1):
        for signer_id, x in ((1, 60), (2, 320)):
            fields.append(_field(signer_id, "name", page, x, 760, "Jan Peeters"))
            fields.append(_field(signer_id, "date", page, x, 790, "2026-12-07"))
    fields.append(_field(1, "text", 1, 60, 700, "Brussels office"))
    for signer_id, x in ((1, 60), (2, 320)):
        fields.append(_field(signer_id, "signature", pages, x, 650, "", 160, 50))
    return fields, signers


def _field(signer_id, kind, page, x, y, value, width=150, height=18):
    return SimpleNamespace(
        signer_id=signer_id, kind=kind, page=page, x=x, y=y, width=width, height=height, value=value
    )


def raw_write(data: bytes) -> bytes:
    out = io.BytesIO()
    PdfWriter(clone_from=PdfReader(io.BytesIO(data))).write(out)
    return out.getvalue()


def timed(fn, seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def alternate(kinds: dict, seconds: float, rounds: int) -> dict:
    rates = {name: [] for name in kinds}
    for r in range(rounds):
        for name in list(kinds) if r % 2 == 0 else list(reversed(kinds)):
            rates[name].append(timed(kinds[name], seconds))
    return rates


def run(seconds: float, rounds: int, pages: int = 20) -> dict:
    """Measure and print; returns the rates and the ratios."""
    original = document(pages)
    fields, signers = fields_and_signers(pages)
    key = pades.ensure_key(Path(tempfile.mkdtemp(prefix="bench-itsme-sign-")))
    request = SimpleNamespace(
        id=1, name="Bench contract", page_count=pages, original_sha256="0" * 64
    )
    people = [
        SimpleNamespace(
            name=s.name,
            email=f"{s.id}@example.com",
            role=SimpleNamespace(name="Customer"),
            signed_at=None,
            signed_ip="127.0.0.1",
            signature_kind="drawn",
            identification_method="",
            name_mismatch=False,
        )
        for s in signers.values()
    ]

    def stamp():
        return stamping.stamp(original, fields, signers)

    def signed():
        stamped = stamp()
        page = certificate.page(
            request, people, stamped_sha256="1" * 64, certificate_fingerprint="2" * 64
        )
        return pades.sign(certificate.append(stamped, page), key, reason="bench")

    # Warm, and check the work is done: every page carries its fields.
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(stamp())).pages)
    assert text.count("2026-12-07") == 2 * pages, "the stamp lost fields"
    raw_write(original)
    signed()

    print(f"itsme Sign stamping, {pages}-page PDF, {len(fields)} fields — {common.machine()}")
    rates = alternate(
        {"raw pypdf write": lambda: raw_write(original), "stamp": stamp, "signed PDF": signed},
        seconds,
        rounds,
    )
    ratios = {}
    for name in ("stamp", "signed PDF"):
        each = [a / b for a, b in zip(rates[name], rates["raw pypdf write"], strict=True)]
        ratios[name] = statistics.median(each)
        print(
            f"  {name:12} {statistics.median(rates[name]):7.2f}/s   raw pypdf write "
            f"{statistics.median(rates['raw pypdf write']):7.2f}/s   {ratios[name]:5.2f}× raw "
            "(rounds: " + ", ".join(f"{r:.2f}" for r in each) + ")"
        )
    print(f"  load average now {common.load_average()}")
    return {"rates": rates, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds = 0.5, 2
    run(args.seconds, args.rounds, args.pages)


if __name__ == "__main__":
    main()
