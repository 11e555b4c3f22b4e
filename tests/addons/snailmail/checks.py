"""Checks of a prepared letter, shared by the tests and the benchmark."""

from __future__ import annotations

import io

import pdfplumber

from addons.snailmail.geometry import A4, BLANKED, WINDOWS, Box

WHITE = {(1,), (1.0,), (1, 1, 1), (1.0, 1.0, 1.0)}


def _colour(value) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _in(box: Box, char) -> bool:
    # pdfplumber measures from the top; the window boxes from the bottom.
    height = A4[1]
    return box.contains(char["x0"], height - char["bottom"], char["x1"], height - char["top"], 0.5)


def _meets(box: Box, char) -> bool:
    height = A4[1]
    return box.overlaps(Box(char["x0"], height - char["bottom"], char["x1"], height - char["top"]))


def check_letter(data: bytes, lines, *, window="right", cover=False, pages=None) -> list[str]:
    """What is wrong with a prepared letter (an empty list when nothing is)."""
    problems = []
    area = WINDOWS[window]
    with pdfplumber.open(io.BytesIO(data)) as document:
        if pages is not None and len(document.pages) != pages:
            problems.append(f"{len(document.pages)} pages, expected {pages}")
        for number, page in enumerate(document.pages, 1):
            if abs(page.width - A4[0]) > 2.9 or abs(page.height - A4[1]) > 2.9:
                problems.append(f"page {number} is {page.width} x {page.height}")
            blanks = [
                r for r in page.rects if r["fill"] and _colour(r.get("non_stroking_color")) in WHITE
            ]
            for box in BLANKED:
                covered = any(
                    Box(r["x0"], A4[1] - r["bottom"], r["x1"], A4[1] - r["top"]).contains(*box, 0.5)
                    for r in blanks
                )
                if not covered:
                    problems.append(f"page {number}: {box} is not blanked")
        first = document.pages[0]
        inside = "".join(c["text"] for c in first.chars if _in(area, c))
        stray = [c["text"] for c in first.chars if _meets(area, c) and not _in(area, c)]
        expected = "".join("".join(line.split()) for line in lines)
        if "".join(inside.split()) != expected:
            problems.append(f"window holds {inside!r}, expected {expected!r}")
        if stray:
            problems.append(f"characters across the window's edge: {''.join(stray)!r}")
        if cover:
            outside = [c["text"] for c in first.chars if not _in(area, c)]
            if outside:
                problems.append(f"the cover page has more than the address: {''.join(outside)!r}")
    return problems
