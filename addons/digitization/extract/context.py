"""Shared helpers for field finders: the document's lines, label hits, words near a
label, and building the output field dicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from .labels import LabelHit, find_labels
from .layout import Line, Page, Word, box
from .values import Match, find_amounts


class Doc:
    """All pages of one document plus per-line label hits, computed once."""

    def __init__(self, pages: list[Page]):
        self.pages = pages
        self.by_number = {p.number: p for p in pages}
        self.lines: list[Line] = [line for page in pages for line in page.lines]
        self.hits: dict[int, list[LabelHit]] = {id(line): find_labels(line) for line in self.lines}
        self.is_ocr = any(p.origin == "ocr" for p in pages)
        self.decimal_sep = self._decimal_separator()
        self._line_of: dict[int, Line] | None = None

    def _decimal_separator(self) -> str:
        votes = Counter()
        for line in self.lines:
            for seg in line.segments:
                for m in find_amounts(seg.text):
                    votes[seg.text[m.end - 3]] += 1
        return votes.most_common(1)[0][0] if votes else "."

    def hits_for(self, field: str) -> list[LabelHit]:
        return [h for line in self.lines for h in self.hits[id(line)] if h.field == field]

    def line_of(self, word: Word) -> Line:
        if self._line_of is None:
            self._line_of = {id(w): line for line in self.lines for w in line.words}
        return self._line_of[id(word)]

    def page_of(self, line: Line) -> Page:
        return self.by_number[line.page]

    # ----------------------------------------------------------- words near a label
    def tail(self, hit: LabelHit) -> list[Word]:
        """Words right of the label on the same line, up to the next label."""
        later = [h.start for h in self.hits[id(hit.line)] if h.start >= hit.end]
        stop = min(later) if later else len(hit.line.words)
        return hit.line.words[hit.end : stop]

    def below(self, hit: LabelHit) -> list[Word]:
        """Words just under the label, in its column (labels printed above values)."""
        page = self.page_of(hit.line)
        left, right = hit.x0 - 10, hit.x0 + 0.28 * page.width
        limit = hit.line.bottom + 2.5 * max(hit.line.height, 6)
        for line in page.lines:
            if line.top <= hit.line.bottom - 1 or line.top > limit:
                continue
            words = [w for w in line.words if left <= w.x0 < right]
            if words:
                stop = next(
                    (h.start for h in self.hits[id(line)] if line.words[h.start] in words),
                    None,
                )
                if stop is not None:
                    words = [w for w in words if w.x0 < line.words[stop].x0]
                return words
        return []

    def value_near(
        self, hit: LabelHit, finder: Callable[[str], list[Match]]
    ) -> tuple[Match, list[Word]] | None:
        """First value found by ``finder`` right of the label, else just below it."""
        for words in (self.tail(hit), self.below(hit)):
            if not words:
                continue
            found = find_in_words(words, finder)
            if found:
                return found[0]
        return None

    # ----------------------------------------------------------- output
    def field(self, value, confidence: float, words: list[Word] | None = None, candidates=None):
        page = box_ = None
        if words:
            page_obj = self.by_number[words[0].page]
            page = page_obj.number
            box_ = box([w for w in words if w.page == page], page_obj)
            # Weigh in tesseract's own word confidence (1.0 for text-layer words, so
            # only OCR words, of a scan or of an image inside a text PDF, lower it).
            confidence *= 0.5 + 0.5 * min(w.conf for w in words)
        cands = list(candidates or [])
        if value is not None and value not in cands:
            cands.insert(0, value)
        return {
            "value": value,
            "confidence": round(max(0.0, min(1.0, confidence)), 3) if value is not None else 0.0,
            "candidates": cands,
            "page": page,
            "box": box_,
        }


def join_words(words: list[Word]) -> tuple[str, list[tuple[int, int]]]:
    """Text of ``words`` joined by spaces, and each word's character span."""
    parts, spans, pos = [], [], 0
    for w in words:
        spans.append((pos, pos + len(w.text)))
        parts.append(w.text)
        pos += len(w.text) + 1
    return " ".join(parts), spans


def find_in_words(
    words: list[Word], finder: Callable[[str], list[Match]]
) -> list[tuple[Match, list[Word]]]:
    """Run a value finder on the words' text and map each match back to its words."""
    text, spans = join_words(words)
    out = []
    for m in finder(text):
        covered = [w for w, (s, e) in zip(words, spans, strict=True) if s < m.end and e > m.start]
        out.append((m, covered or words[:1]))
    return out


def first_in_lines(
    doc: Doc, finder: Callable[[str], list[Match]]
) -> tuple[Match, list[Word]] | None:
    """The first value ``finder`` finds, reading the lines top to bottom, with its words."""
    for line in doc.lines:
        found = find_in_words(line.words, finder)
        if found:
            return found[0]
    return None


def empty_field() -> dict:
    return {"value": None, "confidence": 0.0, "candidates": [], "page": None, "box": None}
