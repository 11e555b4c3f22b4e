"""Field finders for vendor bills (laid-out words -> fields).

Strategy: printed labels first (value right of or under the label), typed patterns
second (IBAN, VAT, structured references are recognisable anywhere), layout last
(the customer block is the one under 'Bill to'; the vendor is everything else).
Cross-checks in ``checks.py`` then lower confidences that do not add up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from . import checks
from .context import Doc, empty_field, find_in_words, first_in_lines
from .layout import Line, Word, split_segments
from .values import (
    Match,
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
}  # fmt: skip
_NAME_SEPARATORS = re.compile(r"\s+[·|•–]\s+")


# ------------------------------------------------------------------ customer block
@dataclass
class Region:
    page: int
    left: float
    right: float
    top: float
    bottom: float

    def contains(self, word: Word) -> bool:
        return (
            word.page == self.page
            and self.left <= word.x0 <= self.right
            and self.top <= word.top <= self.bottom
        )


def customer_regions(doc: Doc) -> list[Region]:
    """Blocks introduced by 'Bill to' / 'Client' / 'Kunde'...: the customer, not the vendor."""
    regions = []
    for hit in doc.hits_for("bill_to"):
        page = doc.page_of(hit.line)
        left, right = hit.x0 - 15, hit.x0 + 0.42 * page.width
        bottom = hit.line.bottom
        gap_limit = 2.4 * max(hit.line.height, 6)
        for line in page.lines:
            if line.top <= hit.line.top + 1:
                continue
            if not any(left <= w.x0 <= right for w in line.words):
                continue
            if line.top - bottom > gap_limit:
                break
            bottom = line.bottom
        regions.append(Region(page.number, left, right, hit.line.top - 2, bottom + 1))
    return regions


def _in_regions(words: list[Word], regions: list[Region]) -> bool:
    return any(r.contains(w) for r in regions for w in words)


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
    if not found:
        # Label lost (OCR) or absent: a typical invoice-number shape, low confidence.
        shaped = first_in_lines(doc, _number_shapes)
        if shaped:
            match, words = shaped
            return doc.field(match.value, 0.4, words)
        return empty_field()
    (match, words), *rest = found
    return doc.field(match.value, 0.95, words, [m.value for m, _ in rest])


_NUMBER_SHAPE = re.compile(r"(?<![\w/-])([A-Z]{1,5}[-/]?\d{4}[-/]\d{3,6})(?![\w/-])")


def _number_shapes(text: str) -> list[Match]:
    return [Match(m[1], m.start(1), m.end(1)) for m in _NUMBER_SHAPE.finditer(text)]


def _labelled_date(doc: Doc, field: str):
    found = []
    for hit in doc.hits_for(field):
        result = doc.value_near(hit, find_dates)
        if result:
            found.append(result)
    return found


def find_dates_fields(doc: Doc) -> tuple[dict, dict]:
    invoice = _labelled_date(doc, "invoice_date")
    due = _labelled_date(doc, "due_date")
    if invoice:
        (m, words), *rest = invoice
        invoice_field = doc.field(
            m.value.isoformat(), 0.95, words, [r.value.isoformat() for r, _ in rest]
        )
    else:
        # No label: the first date printed is usually the issue date.
        all_dates = [d for line in doc.lines for d in find_in_words(line.words, find_dates)]
        if all_dates:
            m, words = all_dates[0]
            invoice_field = doc.field(m.value.isoformat(), 0.4, words)
        else:
            invoice_field = empty_field()
    if due:
        (m, words), *rest = due
        due_field = doc.field(
            m.value.isoformat(), 0.95, words, [r.value.isoformat() for r, _ in rest]
        )
    else:
        due_field = empty_field()
    return invoice_field, due_field


# ------------------------------------------------------------------ amounts
def _amount_after_label(doc: Doc, field: str, regions: list[Region]):
    """(amount, words, line) right of each label of ``field``: the right-most amount."""
    found = []
    for hit in doc.hits_for(field):
        tail = doc.tail(hit)
        if not tail or _in_regions(tail, regions):
            continue
        text = " ".join(w.text for w in tail)
        if field == "tax_amount" and find_vats(text):
            continue  # 'VAT: BE0123...' is an identifier line, not the tax amount
        amounts = find_in_words(tail, find_amounts)
        if amounts:
            match, words = amounts[-1]
            found.append((match.value, words, hit.line))
    return found


def find_totals(doc: Doc, regions: list[Region]) -> dict[str, dict]:
    untaxed = _amount_after_label(doc, "untaxed_amount", regions)
    tax = _amount_after_label(doc, "tax_amount", regions)
    total = _amount_after_label(doc, "total_amount", regions)
    # The grand total is the largest labelled total; the subtotal is printed first.
    total.sort(key=lambda t: t[0], reverse=True)
    picks = {
        "untaxed_amount": untaxed[0] if untaxed else None,
        "tax_amount": tax[0] if tax else None,
        "total_amount": total[0] if total else None,
    }
    values = {k: (v[0] if v else None) for k, v in picks.items()}
    derived = checks.complete_totals(values)
    out = {}
    for name, pick in picks.items():
        others = {"untaxed_amount": untaxed, "tax_amount": tax, "total_amount": total}[name]
        cands = [money_str(v) for v, _, _ in others]
        if pick is not None:
            out[name] = doc.field(money_str(pick[0]), 0.9, pick[1], cands)
        elif derived.get(name) is not None:
            out[name] = doc.field(money_str(derived[name]), 0.6, None, cands)
        else:
            out[name] = empty_field()
    return out


def find_currency(doc: Doc) -> dict:
    votes: dict[str, int] = {}
    first_words: dict[str, list[Word]] = {}
    for line in doc.lines:
        for match, words in find_in_words(line.words, find_currencies):
            weight = 2 if any(h.field.endswith("_amount") for h in doc.hits[id(line)]) else 1
            votes[match.value] = votes.get(match.value, 0) + weight
            first_words.setdefault(match.value, words)
    if not votes:
        return empty_field()
    ranked = sorted(votes, key=votes.get, reverse=True)
    best = ranked[0]
    confidence = 0.95 if len(ranked) == 1 else 0.7
    return doc.field(best, confidence, first_words[best], ranked[1:])


# ------------------------------------------------------------------ parties
def find_vendor_vat(doc: Doc, regions: list[Region]) -> tuple[dict, list[tuple[Match, list[Word]]]]:
    vendor, customer = [], []
    for line in doc.lines:
        for match, words in find_in_words(line.words, lambda t: find_vats(t, doc.is_ocr)):
            (customer if _in_regions(words, regions) else vendor).append((match, words))
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


def find_vendor_name(doc: Doc, regions: list[Region], vendor_vats) -> dict:
    candidates = []
    for line in doc.lines:
        for words in _name_parts(line):
            if _in_regions(words, regions) or not _has_legal_suffix(words):
                continue
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
            if _in_regions(words, regions):
                continue
            found.append((not match.valid, not labelled, match, words))
    if not found:
        return empty_field()
    found.sort(key=lambda f: (f[0], f[1]))
    _, _, match, words = found[0]
    cands = [f[2].value for f in found[1:]]
    return doc.field(match.value, 0.95 if match.valid else 0.3, words, cands)


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
        words = doc.tail(hit)
        if words:
            value = re.sub(r"\s", "", " ".join(w.text for w in words))
            return doc.field(value, 0.5, words)
    return empty_field()


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
