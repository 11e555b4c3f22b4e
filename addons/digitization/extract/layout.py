"""Words with positions, grouped into lines and column segments.

All coordinates are PDF points (1/72 inch) with the origin at the page's top-left,
whatever the source (text layer or OCR pixels), so that the thresholds in the field
finders mean the same thing for both.
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from dataclasses import dataclass, field


@dataclass
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int  # 1-based
    size: float  # font size (text layer) or glyph box height (OCR), in points
    conf: float = 1.0  # OCR word confidence 0..1; 1.0 for a text layer
    norm: str = ""  # lowercase, accent-free, without surrounding punctuation

    def __post_init__(self):
        if not self.norm:
            self.norm = normalize_token(self.text)


@dataclass
class _Words:
    """Words in reading order, left to right."""

    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


@dataclass
class Segment(_Words):
    """Words of one line separated by ordinary spaces: a cell, a label or a value."""


@dataclass
class Line(_Words):
    page: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return statistics.median(w.bottom - w.top for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]
    origin: str  # "text" (PDF text layer), "ocr", or "mixed" (text layer + OCRed images)
    rows: list[list[Word]] | None = None  # OCR line grouping, if any
    lines: list[Line] = field(default_factory=list)
    # Images of a text-layer page with no text over them, (x0, top, x1, bottom) in
    # points: a logo, or a vendor block or totals pasted as a picture, read by OCR.
    images: list[tuple[float, float, float, float]] = field(default_factory=list)

    def __post_init__(self):
        if not self.lines:
            self.lines = group_lines(self.words, self.number, self.rows)


def _strip_accent(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0]


def fold(text: str) -> str:
    """Lowercase and strip accents, keeping the length so offsets stay valid."""
    return "".join(_strip_accent(c) for c in text.lower().replace("’", "'"))


_PUNCT = ":;.,()[]{}\"'|*·°•-–—_/\\‘’“”«»`~=^"


def normalize_token(text: str) -> str:
    """Token used for label matching: 'N°' -> 'n', 'Datum:' -> 'datum'."""
    return fold(text).strip(_PUNCT)


def group_lines(words: list[Word], page: int, rows: list[list[Word]] | None = None) -> list[Line]:
    """Cluster words into visual lines and split each line into segments.

    ``rows`` are word groups already known to share a line (tesseract's own lines,
    which follow the text even when skewed); each is kept together. Units are merged
    into one visual line when they overlap vertically by at least half the smaller
    one's height, so a label at the left and its value at the right end up together.
    """
    units = rows if rows is not None else [[w] for w in words]
    units = [u for u in units if u]

    def span(unit: list[Word]) -> tuple[float, float]:
        tops = sorted(w.top for w in unit)
        bottoms = sorted(w.bottom for w in unit)
        return tops[len(tops) // 2], bottoms[len(bottoms) // 2]

    spans = sorted(((span(u), u) for u in units), key=lambda su: (su[0][0] + su[0][1]) / 2)
    groups: list[tuple[list[float], list[Word]]] = []  # ([top, bottom], words)
    for (top, bottom), unit in spans:
        height = max(bottom - top, 0.1)
        for bounds, members in reversed(groups[-4:]):
            overlap = min(bottom, bounds[1]) - max(top, bounds[0])
            if overlap >= 0.5 * min(height, bounds[1] - bounds[0]):
                members.extend(unit)
                break
        else:
            groups.append(([top, bottom], list(unit)))
    lines = []
    for _, members in groups:
        members.sort(key=lambda w: w.x0)
        line = Line(members, page)
        line.segments = split_segments(members)
        lines.append(line)
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


def split_segments(words: list[Word]) -> list[Segment]:
    """Cut a line where the horizontal gap is wider than a few spaces (a column gap).

    The gap is compared with the two neighbouring words' heights, not the line's, so
    a 24 pt name next to 10 pt contact details is not cut at every space.
    """
    if not words:
        return []
    segments = [Segment([words[0]])]
    for prev, word in zip(words, words[1:], strict=False):
        height = max(prev.bottom - prev.top, word.bottom - word.top)
        if word.x0 - prev.x1 > max(1.2 * height, 6.0):
            segments.append(Segment([word]))
        else:
            segments[-1].words.append(word)
    return segments


def estimate_skew(rows: list[list[Word]]) -> float:
    """Median baseline slope (radians) over rows that OCR already grouped into lines."""
    slopes = []
    for row in rows:
        if len(row) < 2:
            continue
        first, last = row[0], row[-1]
        dx = last.x1 - first.x0
        if dx < 60:
            continue
        dy = (last.bottom + last.top) / 2 - (first.bottom + first.top) / 2
        slopes.append(math.atan2(dy, dx))
    return statistics.median(slopes) if len(slopes) >= 3 else 0.0


def rotate_words(words: list[Word], angle: float, cx: float, cy: float) -> None:
    """Rotate word boxes by ``-angle`` around (cx, cy): undoes a small scan skew."""
    if abs(angle) < 1e-4:
        return
    cos, sin = math.cos(-angle), math.sin(-angle)
    for w in words:
        mx, my = (w.x0 + w.x1) / 2 - cx, (w.top + w.bottom) / 2 - cy
        nx, ny = cx + mx * cos - my * sin, cy + mx * sin + my * cos
        half_w, half_h = (w.x1 - w.x0) / 2, (w.bottom - w.top) / 2
        w.x0, w.x1, w.top, w.bottom = nx - half_w, nx + half_w, ny - half_h, ny + half_h


def box(words: list[Word], page: Page) -> list[float]:
    """[x, y, w, h] of the words' union, relative to the page (0..1, origin top-left)."""
    x0 = min(w.x0 for w in words)
    x1 = max(w.x1 for w in words)
    top = min(w.top for w in words)
    bottom = max(w.bottom for w in words)
    return [
        round(max(0.0, x0 / page.width), 4),
        round(max(0.0, top / page.height), 4),
        round((x1 - x0) / page.width, 4),
        round((bottom - top) / page.height, 4),
    ]


def page_text(page: Page) -> str:
    return "\n".join("    ".join(s.text for s in line.segments) for line in page.lines)
