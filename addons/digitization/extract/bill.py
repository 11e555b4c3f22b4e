"""Field finders for vendor bills (laid-out words -> fields).

Strategy: printed labels first (value right of or under the label), typed patterns
second (IBAN, VAT, structured references are recognisable anywhere), layout last
(the customer block is the one under 'Bill to'; the vendor is everything else).
Cross-checks in ``checks.py`` then lower confidences that do not add up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from stdnum import iban as std_iban

from . import checks
from .context import Doc, empty_field, find_in_words, first_in_lines
from .layout import Line, Word, fold, split_segments
from .regions import Region, customer_regions, in_regions
from .totals import find_totals
from .values import (
    Match,
    country_currency,
    find_amounts,
    find_currencies,
    find_dates,
    find_ibans,
    find_payment_references,
    find_vats,
    money_str,
    parse_quantity,
    quantity_str,
)

LEGAL_SUFFIXES = {
    "nv", "n.v", "bv", "b.v", "sa", "s.a", "srl", "sprl", "bvba", "vof", "cv", "sas", "sarl",
    "s.a.r.l", "eurl", "sasu", "gmbh", "ag", "kg", "ohg", "ug", "e.k", "ltd", "limited",
    "llc", "inc", "plc", "llp", "oy", "ab", "spa", "s.p.a", "sl", "s.l", "co",
    "a.g", "e.v", "ev", "ggmbh", "gbr", "mbh", "kgaa", "se", "eg", "bhd", "s/b", "pte",
    "pty", "corp", "corporation", "gmbh & co. kg", "ek", "e.u", "as", "a/s", "aps", "sp",
    "z.o.o", "kft", "comm.v", "scrl", "sc", "snc", "ltda",
}  # fmt: skip
_NAME_SEPARATORS = re.compile(r"\s+[·|•–]\s+")


# ------------------------------------------------------------------ simple labelled fields
def find_invoice_number(doc: Doc) -> dict:
    def finder(text: str) -> list[Match]:
        out = []
        for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9/_.\-]*", text):
            token = m[0].rstrip(".-/")
            if token.lower() in {"no", "nr", "n", "nummer", "number", "num"}:
                continue
            if any(c.isdigit() for c in token) and len(token) >= 3:
                out.append(Match(token, m.start(), m.start() + len(token)))
                break
        return out

    found = []
    for hit in doc.hits_for("invoice_number"):
        result = doc.value_near(hit, finder)
        if result:
            found.append(result)
    # 'Handelsrechnung Nr. 471102 vom …', 'Facture n° F-12': the document's own name
    # followed by a number sign.
    found += [m for line in doc.lines for m in find_in_words(line.words, _inline_numbers)]
    if not found and doc.is_ocr:
        sibling = _beside_date_label(doc, finder)
        if sibling:
            return doc.field(sibling[0].value, 0.5, sibling[1])
    if not found:
        # Label lost (OCR) or absent: a typical invoice-number shape, low confidence.
        shaped = first_in_lines(doc, _number_shapes)
        if shaped:
            match, words = shaped
            return doc.field(match.value, 0.4, words)
        return empty_field()
    (match, words), *rest = found
    others = [m.value for m, _ in rest if m.value != match.value]
    return doc.field(match.value, 0.95, words, others)


def _beside_date_label(doc: Doc, finder) -> tuple[Match, list[Word]] | None:
    """The number of a label OCR garbled, told by where it is: 'Recnungenunes 471102'
    right over 'Rechnungsdatum 05.03.2013', 'Belegane : R876…' over 'Beleg-Datum'. The
    line next to the issue date's label, starting in its column with an unknown label
    that shares its first letters (Rechnungs-nummer / Rechnungs-datum)."""
    for hit in doc.hits_for("invoice_date"):
        stem = hit.words[0].norm[:3]
        page = doc.page_of(hit.line)
        index = page.lines.index(hit.line)
        for other in page.lines[max(0, index - 1) : index + 2 : 2]:
            segment = next(
                (s.words for s in other.segments if abs(s.words[0].x0 - hit.x0) <= 5), None
            )
            if not segment or len(stem) < 3 or not segment[0].norm.startswith(stem):
                continue
            if any(segment[0] in h.words for h in doc.hits[id(other)]):
                continue  # a label this reader knows, of another field
            words = [w for w in other.words[other.words.index(segment[0]) + 1 :]
                     if w.text != ":"][:2]  # fmt: skip
            found = find_in_words(words, finder) if words else []
            if found:
                return found[0]
    return None


_INLINE_NUMBER = re.compile(
    r"(?i)\b\w*(?:rechnung|korrektur|gutschrift|invoice|facture|factuur|creditnota|avoir|"
    r"credit note|receipt|quittung|beleg)\w*(?:\s+\([^)]{0,40}\)|\s+(?:des|der|de|du|of|van)"
    r"\s+\w+)?\s*[-]?(?:nr|no|n°|nº|nummer|number|num|#)\.?\s*[:.]?\s*"
    r"([A-Z0-9][A-Z0-9/_.\-]*)"
)


# 'Ursprungsbeleg-Nr', 'Original invoice no': the number of another document.
_OTHER_DOCUMENT = re.compile(r"(?i)(?:ursprung|original|bezug|storniert|referenced|related)")


def _inline_numbers(text: str) -> list[Match]:
    out = []
    for m in _INLINE_NUMBER.finditer(text):
        if _OTHER_DOCUMENT.match(m[0]):
            continue
        token = m[1].rstrip(".-/")
        if len(token) >= 3 and any(c.isdigit() for c in token):
            out.append(Match(token, m.start(1), m.start(1) + len(token)))
    return out


_NUMBER_SHAPE = re.compile(r"(?<![\w/-])([A-Z]{1,5}[-/]?\d{4}[-/]\d{3,6})(?![\w/-])")


def _number_shapes(text: str) -> list[Match]:
    return [Match(m[1], m.start(1), m.end(1)) for m in _NUMBER_SHAPE.finditer(text)]


_GENERIC_DATE_LABELS = {("date",), ("datum",)}


def _labelled_date(doc: Doc, field: str):
    """Dates after (or under) the field's labels; specific labels ('Invoice date',
    'Rechnungsdatum') before a bare 'Date'."""
    found = []
    for hit in doc.hits_for(field):
        result = doc.value_near(hit, find_dates)
        if result:
            generic = tuple(w.norm for w in hit.words) in _GENERIC_DATE_LABELS
            found.append((generic, len(found), result))
    return [result for _, _, result in sorted(found, key=lambda f: f[:2])]


_INLINE_DATE = re.compile(r"(?i)(?:\bvom|\bdu|\bof|\bdated|\bvan|\bdate)\s*:?\s*$")
_DUE_PHRASE = re.compile(
    r"(?i)\b(?:zahlbar|payable|remit|pay|due|fallig|faellig|a payer|te betalen|zu zahlen|"
    r"betalen|payer)\b[^.\n]{0,60}?\b(?:bis|until|by|before|avant|voor|vor|uiterlijk|"
    r"spatestens|am|on|le)\b(?:\s+(?:zum|le|de|the|op))?\s*:?\s*$"
)


def _dates_after(pattern: re.Pattern) -> Callable[[str], list[Match]]:
    def finder(text: str) -> list[Match]:
        folded = fold(text)
        return [
            m for m in find_dates(text) if pattern.search(folded[max(0, m.start - 90) : m.start])
        ]

    return finder


def find_dates_fields(doc: Doc) -> tuple[dict, dict]:
    invoice = _labelled_date(doc, "invoice_date")
    due = _labelled_date(doc, "due_date")
    if invoice:
        (m, words), *rest = invoice
        invoice_field = doc.field(
            m.value.isoformat(), 0.95, words, [r.value.isoformat() for r, _ in rest]
        )
    elif inline := _inline_date(doc):
        m, words = inline
        invoice_field = doc.field(m.value.isoformat(), 0.9, words)
    else:
        # No label: the first date printed that no other label claims.
        claimed = {
            id(w)
            for line in doc.lines
            for h in doc.hits[id(line)]
            if h.field in ("other_date", "due_date")
            for w in doc.tail(h)
        }
        all_dates = [
            d
            for line in doc.lines
            for d in find_in_words(line.words, find_dates)
            if not any(id(w) in claimed for w in d[1])
        ]
        if all_dates:
            m, words = all_dates[0]
            invoice_field = doc.field(m.value.isoformat(), 0.4, words)
        else:
            invoice_field = empty_field()
    if not due:
        due = [
            d for line in doc.lines for d in find_in_words(line.words, _dates_after(_DUE_PHRASE))
        ]
        confidence = 0.85
    else:
        confidence = 0.95
    if due:
        (m, words), *rest = due
        due_field = doc.field(
            m.value.isoformat(), confidence, words, [r.value.isoformat() for r, _ in rest]
        )
    else:
        due_field = empty_field()
    return invoice_field, due_field


def _inline_date(doc: Doc):
    """'Rechnung Nr. 4711 vom 05.03.2018': the date right after the document's number."""
    for line in doc.lines:
        if not _inline_numbers(line.text):
            continue
        found = find_in_words(line.words, _dates_after(_INLINE_DATE))
        if found:
            return found[0]
    return None


# ------------------------------------------------------------------ currency
def find_currency(doc: Doc) -> dict:
    """Most-printed currency (near a total counts double); a lone '$' or '£', which OCR
    makes from specks and several countries share, gives way to the country the
    document points to ('SDN BHD', 'Jalan' -> ringgit); nothing printed -> that prior."""
    votes: dict[str, float] = {}
    strong: set[str] = set()
    first_words: dict[str, list[Word]] = {}
    for line in doc.lines:
        for match, words in find_in_words(line.words, find_currencies):
            weight = 2 if any(h.field.endswith("_amount") for h in doc.hits[id(line)]) else 1
            votes[match.value] = votes.get(match.value, 0) + weight * (1 if match.valid else 0.5)
            if match.valid:
                strong.add(match.value)
            first_words.setdefault(match.value, words)
    prior = country_currency("\n".join(line.text for line in doc.lines))
    if prior == "EUR":
        prior = None  # 'BTW', 'TVA' are printed on bills in any currency
    if not votes:
        return doc.field(prior, 0.6) if prior else empty_field()
    ranked = sorted(votes, key=votes.get, reverse=True)
    best = ranked[0]
    if prior and best != prior and best not in strong:
        return doc.field(prior, 0.6, None, ranked)
    confidence = 0.95 if len(ranked) == 1 else 0.7
    if best not in strong:
        confidence = min(confidence, 0.8)
    return doc.field(best, confidence, first_words[best], ranked[1:])


# ------------------------------------------------------------------ parties
def find_vendor_vat(doc: Doc, regions: list[Region]) -> tuple[dict, list[tuple[Match, list[Word]]]]:
    vendor, customer = [], []
    for line in doc.lines:
        for match, words in find_in_words(line.words, lambda t: find_vats(t, doc.is_ocr)):
            (customer if in_regions(words, regions) else vendor).append((match, words))
    iban_lines = {
        (ws[0].page, ws[0].top)
        for line in doc.lines
        for _, ws in find_in_words(line.words, find_ibans)
    }

    def near_iban(words: list[Word]) -> bool:
        return any(p == words[0].page and abs(t - words[0].top) < 14 for p, t in iban_lines)

    # Valid checksums first; without a 'Bill to' block, the VAT printed next to the
    # IBAN (payment details belong to the vendor) goes before the others.
    vendor.sort(key=lambda mw: (not mw[0].valid, bool(regions) or not near_iban(mw[1])))
    if not vendor:
        return empty_field(), []
    match, words = vendor[0]
    confidence = 0.95 if match.valid else 0.3
    if not regions:
        confidence -= 0.25  # no 'Bill to' block seen: vendor/customer split is a guess
    cands = [m.value for m, _ in vendor[1:]] + [m.value for m, _ in customer]
    return doc.field(match.value, confidence, words, cands), vendor


def _name_parts(line: Line):
    """Split a line on ' · ' / ' | ' separators into (text, words) parts."""
    parts, current = [], []
    for word in line.words:
        if word.text in {"·", "|", "•", "–"}:
            if current:
                parts.append(current)
            current = []
        else:
            current.append(word)
    if current:
        parts.append(current)
    for seg_words in parts:
        for seg in split_segments(seg_words):
            yield seg.words


def _has_legal_suffix(words: list[Word]) -> bool:
    if len(words) < 2:
        return False
    last = words[-1].norm.rstrip(".")
    return last in LEGAL_SUFFIXES and not any(c.isdigit() for w in words for c in w.text)


def _after_key(words: list[Word]) -> list[Word]:
    """'Kontoname : Verkehrsbetriebe GmbH' -> the words after the last 'key :'."""
    for i in range(len(words) - 1, -1, -1):
        if words[i].text.endswith(":"):
            return words[i + 1 :]
    return words


def _is_name_line(doc: Doc, words: list[Word]) -> bool:
    text = " ".join(w.text for w in words)
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    ids = {id(w) for w in words}
    labels = [
        h
        for h in doc.hits[id(doc.line_of(words[0]))]
        if any(id(w) in ids for w in h.words) and h.field != "seller"
    ]
    bare_label = all(w.norm in {"nummer", "number", "nr", "no"} for w in words)
    return (
        letters >= 3
        and digits <= 0.3 * letters
        and ":" not in text
        and "@" not in text
        and not labels
        and not bare_label
    )


def _neighbour_line(doc: Doc, words: list[Word], step: int) -> list[Word] | None:
    """Words of the line just above (step -1) or below (+1) in the same column and type,
    with no more than half a line between."""
    line = doc.line_of(words[0])
    page = doc.page_of(line)
    index = page.lines.index(line) + step
    # Lines with nothing over this column (a logo's or another column's, at much the
    # same height) are stepped over.
    while 0 <= index < len(page.lines) and not any(
        w.x1 > words[0].x0 and w.x0 < words[-1].x1 for w in page.lines[index].words
    ):
        index += step
    if not 0 <= index < len(page.lines):
        return None
    other = page.lines[index]
    # The cell of that line that starts where ``words`` start: 'Versicherungsverein
    # Musterstadt a.G.' under 'MVM Musterhafter', however far it reaches right.
    near = next((s.words for s in other.segments if abs(s.words[0].x0 - words[0].x0) <= 3), None)
    if near is None:
        return None
    gap = (line.top - other.bottom) if step < 0 else (other.top - line.bottom)
    size = max(w.size for w in words)
    # OCR boxes are glyph heights, not font sizes: 'MVM' and 'Versicherungsverein' (with
    # a 'g') differ, and the gap between lines looks wider against capitals' height.
    slack, leading = (0.3 * size, 1.0) if doc.is_ocr else (0.5, 0.6)
    if gap < leading * size and all(abs(w.size - size) < slack for w in near):
        return near
    return None


def _whole_name(doc: Doc, words: list[Word]) -> list[Word]:
    """'MVM Musterhafter' over 'Versicherungsverein Musterstadt a.G.': a name line without
    a legal form right above one ending with one is its first half."""
    if _has_legal_suffix(words):
        above = _neighbour_line(doc, words, -1)
        if above and len(above) <= 4 and not _has_legal_suffix(above) and _is_name_line(doc, above):
            return above + words
        return words
    below = _neighbour_line(doc, words, 1)
    if below and _has_legal_suffix(below) and _is_name_line(doc, below):
        return words + below
    return words


def seller_block_name(doc: Doc, regions: list[Region]) -> list[Word] | None:
    """The first name-like line of the block a 'Seller' / 'Verkäufer' label opens."""
    for hit in doc.hits_for("seller"):
        segment = next(s for s in hit.line.segments if hit.words[0] in s.words)
        if segment.words[0] is not hit.words[0] or len(segment.words) > len(hit.words) + 4:
            continue  # 'Der Lieferant bleibt Eigentümer…': a word in a sentence
        # The label's own cell: what a further column holds (a logo read by OCR, the
        # title) is not the seller's name.
        cell = {id(w) for w in segment.words}
        tail = [w for w in doc.tail(hit) if w.text != ":" and id(w) in cell]
        if tail and all(w.norm.rstrip(".") in LEGAL_SUFFIXES for w in tail):
            return hit.words + tail  # 'Lieferant GmbH': a name that starts like the label
        if tail and _is_name_line(doc, tail) and not in_regions(tail, regions):
            return tail
        page = doc.page_of(hit.line)
        left, right = hit.x0 - 10, hit.x0 + 0.3 * page.width
        previous, seen = hit.line.bottom, 0
        for line in page.lines:
            if line.top <= hit.line.bottom - 1:
                continue
            words = [w for w in line.words if left <= w.x0 < right]
            if not words:
                continue
            if line.top - previous > 3 * max(line.height, 6) or seen >= 5:
                break
            if in_regions(words, regions) or any(h.field == "bill_to" for h in doc.hits[id(line)]):
                break
            previous, seen = line.bottom, seen + 1
            segment = next(s.words for s in split_segments(words))
            if _is_name_line(doc, words) and _is_name_line(doc, segment):
                return _whole_name(doc, segment)
    return None


def find_vendor_name(doc: Doc, regions: list[Region], vendor_vats) -> dict:
    labelled = seller_block_name(doc, regions)
    if labelled:
        return doc.field(" ".join(clean_words(labelled, doc.is_ocr)), 0.9, labelled)
    candidates = []
    for line in doc.lines:
        for words in _name_parts(line):
            words = _after_key(words)
            if in_regions(words, regions) or not _has_legal_suffix(words):
                continue
            words = _whole_name(doc, words)
            page = doc.page_of(line)
            size = max(w.size for w in words)
            # Bigger and higher on the page wins; the footer repeats the vendor too.
            score = size + (3 if words[0].top < page.height * 0.25 else 0)
            candidates.append((score, words))
    if candidates:
        candidates.sort(key=lambda c: (-c[0], c[1][0].top))
        names = []
        for _, words in candidates:
            name = " ".join(clean_words(words, doc.is_ocr))
            if name not in names:
                names.append(name)
        confidence = 0.9 if len(names) == 1 or regions else 0.7
        return doc.field(names[0], confidence, candidates[0][1], names[1:])
    # No legal form printed: take the first line of the block holding the vendor VAT.
    if vendor_vats:
        _, vat_words = vendor_vats[0]
        line = next(ln for ln in doc.lines if vat_words[0] in ln.words)
        segment = next(s for s in line.segments if vat_words[0] in s.words)
        head = _block_head(doc, segment.words[0])
        if head:
            return doc.field(" ".join(w.text for w in head), 0.5, head)
    return empty_field()


def _block_head(doc: Doc, anchor: Word) -> list[Word] | None:
    page = doc.by_number[anchor.page]
    lines = [ln for ln in page.lines if ln.bottom <= anchor.bottom + 1]
    block_top = None
    previous_top = anchor.top
    for line in reversed(lines):
        words = [w for w in line.words if abs(w.x0 - anchor.x0) < 40 or w is anchor]
        if not words:
            continue
        if previous_top - line.bottom > 2.0 * max(line.height, 6):
            break
        block_top = words
        previous_top = line.top
    return block_top


# ------------------------------------------------------------------ payment
def find_iban(doc: Doc, regions: list[Region]) -> dict:
    found = []
    for line in doc.lines:
        labelled = any(h.field == "iban" for h in doc.hits[id(line)])
        for match, words in find_in_words(line.words, find_ibans):
            if in_regions(words, regions):
                continue
            found.append((not match.valid, not labelled, match, words))
    if not any(f[2].valid for f in found):
        found += _split_or_odd_ibans(doc, regions)
    if not found:
        return empty_field()
    found.sort(key=lambda f: (f[0], f[1]))
    _, _, match, words = found[0]
    cands = [f[2].value for f in found[1:]]
    return doc.field(match.value, 0.95 if match.valid else 0.3, words, cands)


_IBAN_GROUP = re.compile(r"^[A-Z0-9]{1,8}$")


def _split_or_odd_ibans(doc: Doc, regions: list[Region]):
    """After an 'IBAN' label: the groups of letters and digits, continued on the next
    line when the number is cut there. Valid if the checksum holds once joined; else
    returned flagged (a shape the country tables do not know, or a misprint)."""
    out = []
    for hit in doc.hits_for("iban"):
        words = [w for w in doc.tail(hit) if w.text.strip(":")]
        groups = []
        for word in words:
            text = word.text.strip(":,;")
            if not _IBAN_GROUP.match(text) or (not groups and not re.match(r"[A-Z]{2}\d", text)):
                break
            groups.append(word)
        if not groups or in_regions(groups, regions):
            continue
        line = hit.line
        page = doc.page_of(line)
        index = page.lines.index(line)
        compact = "".join(w.text.strip(":,;") for w in groups)
        if len(compact) < 15 and index + 1 < len(page.lines):
            following = page.lines[index + 1].words
            more = [w for w in following[:4] if _IBAN_GROUP.match(w.text) and w.text.isdigit()]
            compact += "".join(w.text for w in more)
            groups += more
        if not 15 <= len(compact) <= 34:
            continue
        valid = std_iban.is_valid(compact)
        out.append((not valid, False, Match(compact, 0, 0, valid), groups))
    return out


def find_payment_reference(doc: Doc) -> dict:
    found = []
    for line in doc.lines:
        labelled = any(h.field == "payment_reference" for h in doc.hits[id(line)])
        for match, words in find_in_words(line.words, find_payment_references):
            found.append((not match.valid, not labelled, match, words))
    if found:
        found.sort(key=lambda f: (f[0], f[1]))
        _, _, match, words = found[0]
        return doc.field(
            match.value, 0.95 if match.valid else 0.3, words, [f[2].value for f in found[1:]]
        )
    # A free-form reference after its label.
    for hit in doc.hits_for("payment_reference"):
        words = _without_asides(doc.tail(hit))
        if words and any(c.isdigit() for w in words for c in w.text):
            value = " ".join(w.text for w in words)
            return doc.field(value, 0.5, words)
    return empty_field()


def _without_asides(words: list[Word]) -> list[Word]:
    """'(bitte bei Zahlung angeben) GE2020211-471102' -> the reference; ':' dropped."""
    out, depth = [], 0
    for word in words:
        depth += word.text.count("(")
        if depth == 0 and word.text.strip(":") and word.text != "-":
            out.append(word)
        depth = max(0, depth - word.text.count(")"))
    return out


# ------------------------------------------------------------------ table lines
_QTY_OCR_FIXES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "/": ","})
_STOP_FIELDS = ("untaxed_amount", "total_amount", "tax_amount", "iban", "payment_reference")


@dataclass
class Columns:
    """x positions from the table header; any of them may be unknown (None)."""

    quantity_x0: float | None

    def is_description(self, word: Word) -> bool:
        return self.quantity_x0 is None or word.x1 < self.quantity_x0 - 8


def find_lines(doc: Doc) -> dict:
    header, columns = None, None
    for line in doc.lines:
        hits = {h.field: h for h in doc.hits[id(line)] if h.field.startswith("col_")}
        if len(hits) >= 3 or (len(hits) == 2 and "col_amount" in hits):
            header = line
            qty = hits.get("col_quantity")
            columns = Columns(qty.x0 if qty else None)
            break
    if header is None:
        return empty_field()
    page = doc.page_of(header)
    rows: list[dict] = []
    row_words: list[Word] = []
    confidences = []
    previous_bottom = header.bottom
    for line in page.lines:
        if line.top <= header.bottom:
            continue
        if any(h.field in _STOP_FIELDS for h in doc.hits[id(line)]):
            break
        if line.top - previous_bottom > 3.0 * max(line.height, 6):
            break
        previous_bottom = line.bottom
        parsed = parse_row(line, doc.decimal_sep, columns, doc.is_ocr)
        if parsed is None:
            continue
        row, confidence = parsed
        rows.append(row)
        row_words.extend(line.words)
        confidences.append(confidence)
    if not rows:
        return empty_field()
    return doc.field(rows, min(confidences), row_words)


def _row_amounts(line: Line) -> list[tuple[Decimal, list[Word]]]:
    """Amounts of a table row, left to right, read per segment (cell): '12   454,61'
    must not become 12454.61 in documents that group thousands with spaces."""
    found = []
    for seg in line.segments:
        for match, words in find_in_words(seg.words, find_amounts):
            found.append((abs(match.value), words))
    return found


def parse_row(
    line: Line, decimal_sep: str, columns: Columns, ocr: bool
) -> tuple[dict, float] | None:
    """(row, confidence) for a table line, repairing one unreadable number by arithmetic."""
    amounts = _row_amounts(line)
    if not amounts:
        return None
    amount, amount_words = amounts[-1]
    unit, unit_words = amounts[-2] if len(amounts) >= 2 else (None, [])
    first_number = (unit_words or amount_words)[0]
    left = [w for w in line.words if w.x0 < first_number.x0]
    description_words = [w for w in left if columns.is_description(w)]
    quantity_words = [w for w in left if not columns.is_description(w)]
    if columns.quantity_x0 is None and description_words:
        # No quantity header: the quantity is the last cell before the unit price.
        segs = [s for s in line.segments if s.words[-1].x1 < first_number.x0]
        if len(segs) >= 2:
            quantity_words = segs[-1].words
            description_words = [w for s in segs[:-1] for w in s.words]
    description = clean_description(description_words, ocr)
    if not description:
        return None
    raw_quantity = "".join(w.text for w in quantity_words)
    if ocr:
        raw_quantity = raw_quantity.translate(_QTY_OCR_FIXES)
    quantity = parse_quantity(raw_quantity, decimal_sep) if raw_quantity else None
    confidence = 0.95
    if unit is None and quantity:
        unit = (amount / quantity).quantize(Decimal("0.01"))
        confidence = 0.6
    if unit is None:
        return None
    if quantity is None or abs(quantity * unit - amount) > Decimal("0.01"):
        derived = _derive_quantity(amount, unit)
        if derived is not None:
            quantity, confidence = derived, 0.75
        elif quantity is None:
            return None
        else:
            confidence = 0.4
    if ocr and description.rsplit(" ", 1)[-1] == quantity_str(quantity):
        # The quantity's column edge was misjudged and its digits joined the text.
        description = description.rsplit(" ", 1)[0] if " " in description else description
    row = {
        "description": description,
        "quantity": quantity_str(quantity),
        "unit_price": money_str(unit),
        "amount": money_str(amount),
    }
    return row, confidence


def _derive_quantity(amount: Decimal, unit: Decimal) -> Decimal | None:
    """amount / unit when that is a plausible quantity (whole, or halves/quarters)."""
    if not unit:
        return None
    quantity = amount / unit
    for step in (Decimal(1), Decimal("0.5"), Decimal("0.25")):
        rounded = (quantity / step).quantize(Decimal(1)) * step
        if rounded > 0 and abs(rounded * unit - amount) <= Decimal("0.01"):
            return rounded
    return None


_LOOSE_PUNCT = ':;,|\\/_~"“”‘’`^*•·»«<>=+'


def clean_words(words: list[Word], ocr: bool) -> list[str]:
    """Word texts without OCR debris: lone symbols, stray ':' or '|' at word ends."""
    tokens = [w.text for w in words]
    if not ocr:
        return tokens
    out = []
    for token in tokens:
        token = token.strip(_LOOSE_PUNCT).lstrip("-–—.")
        if any(c.isalnum() for c in token):
            out.append(token)
    # A trailing single letter is usually a table rule read as 'I', 'À' or 'a'.
    while out and len(out[-1]) == 1 and not out[-1].isdigit():
        out.pop()
    # 'Website. maintenance': a dot before a lowercase word is noise.
    for i in range(len(out) - 1):
        if out[i].endswith(".") and out[i + 1][:1].islower() and len(out[i]) > 3:
            out[i] = out[i][:-1]
    if out and "." not in out[-1][:-1]:  # keep the dot of 'B.V.' / 'N.V.'
        out[-1] = out[-1].rstrip(".")
    return out


def clean_description(words: list[Word], ocr: bool) -> str:
    return " ".join(clean_words(words, ocr)).strip()


# ------------------------------------------------------------------ entry point
def extract_bill(doc: Doc) -> dict[str, dict]:
    regions = customer_regions(doc)
    vendor_vat, vendor_vats = find_vendor_vat(doc, regions)
    invoice_date, due_date = find_dates_fields(doc)
    fields = {
        "vendor_name": find_vendor_name(doc, regions, vendor_vats),
        "vendor_vat": vendor_vat,
        "invoice_number": find_invoice_number(doc),
        "invoice_date": invoice_date,
        "due_date": due_date,
        "currency": find_currency(doc),
        **find_totals(doc, regions),
        "iban": find_iban(doc, regions),
        "payment_reference": find_payment_reference(doc),
        "lines": find_lines(doc),
    }
    repair_lines(fields)
    checks.check_bill(fields)
    return fields


def repair_lines(fields: dict[str, dict]) -> None:
    """If the rows do not add up to the subtotal, try quantity x unit price for a row
    whose printed amount disagrees with it (a misread digit); keep it only if the
    rows then add up exactly."""
    lines, untaxed = fields["lines"], fields["untaxed_amount"]
    if not lines.get("value") or untaxed.get("value") is None:
        return
    rows = lines["value"]
    target = Decimal(untaxed["value"])
    total = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    if total == target:
        return
    for row in rows:
        computed = (Decimal(row["quantity"]) * Decimal(row["unit_price"])).quantize(Decimal("0.01"))
        if (
            computed != Decimal(row["amount"])
            and total - Decimal(row["amount"]) + computed == target
        ):
            row["amount"] = money_str(computed)
            lines["confidence"] = min(lines["confidence"], 0.7)
            return
