"""The bill's untaxed amount, tax and total, chosen so that they agree.

Every labelled amount is a candidate ('Nettobetrag 473,00', 'Summe Umsatzsteuer 21,31',
'Bruttosumme 529,87', or the value printed under such a column header). The tax
breakdown, rows where base × rate = tax ('Umsatzsteuer 7 % von 129,37 9,06'), gives
one more candidate for the untaxed amount and the tax: its sums. The chosen three are
the ones where untaxed + tax = total and the tax is what the breakdown says; a tax
larger than its base (net and tax swapped) is never accepted as a match.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import product

from . import checks
from .context import Doc, empty_field, find_in_words
from .layout import Word, split_segments
from .regions import in_regions
from .values import find_amounts, find_vats, money_str

NAMES = ("untaxed_amount", "tax_amount", "total_amount")
CENT = Decimal("0.01")
_RATE = re.compile(r"^(\d{1,2}(?:[.,]\d{1,2})?)(%?)$")
# VAT and sales-tax rates in use (EU, UK, CH, NO, and the usual GST rates); a number
# without a % sign counts as a rate only when it is one of them.
_USUAL_RATES = {Decimal(r) for r in (
    "2.1", "2.5", "2.6", "3", "3.7", "3.8", "4", "5", "5.5", "6", "7", "7.7", "8", "8.1",
    "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22",
    "23", "24", "25", "25.5", "27",
)}  # fmt: skip


def _amounts(words: list[Word]) -> list[tuple[Decimal, list[Word]]]:
    """Amounts read cell by cell: '19    198,00' is a rate and an amount, never 19198.00."""
    found = []
    for seg in split_segments(words):
        for match, covered in find_in_words(seg.words, find_amounts):
            found.append((match.value, covered))
    return found


def labelled(doc: Doc, field: str, regions) -> list[tuple[Decimal, list[Word]]]:
    """(amount, words) for each label of ``field``: the right-most amount after it on its
    line, else the first amount printed under it."""
    found = []
    for hit in doc.hits_for(field):
        tail = doc.tail(hit)
        if tail and in_regions(tail, regions):
            continue
        if tail and field == "tax_amount" and find_vats(" ".join(w.text for w in tail)):
            continue  # 'VAT: BE0123...' is an identifier line, not the tax amount
        amounts = _amounts(tail) if tail else []
        if amounts:
            found.append(amounts[-1])
            continue
        if not tail or not any(c.isdigit() for w in tail for c in w.text):
            # A column header: every amount printed under it (per-rate rows, then sums).
            for value, words in _column_below(doc, hit):
                if not in_regions(words, regions):
                    found.append((value, words))
    return found


def _column_below(doc: Doc, hit) -> list[tuple[Decimal, list[Word]]]:
    page = doc.page_of(hit.line)
    left, right = hit.x0 - 15, hit.x1 + 15
    out, previous = [], hit.line.bottom
    for line in page.lines:
        if line.top <= hit.line.bottom - 1:
            continue
        if line.top - previous > 2.5 * max(line.height, 6) or len(out) >= 8:
            break
        words = [w for w in line.words if w.x1 >= left and w.x0 <= right]
        amounts = _amounts(words) if words else []
        if not amounts:
            if out:
                break
            continue
        out.append(amounts[-1])
        previous = line.bottom
    return out


def _rates(words: list[Word], taken: set[int]) -> list[Decimal]:
    rates = []
    for i, word in enumerate(words):
        if id(word) in taken:
            continue
        m = _RATE.match(word.text.strip("()"))
        if not m:
            continue
        percent = m[2] or (i + 1 < len(words) and words[i + 1].text.startswith("%"))
        rate = Decimal(m[1].replace(",", "."))
        if not percent and rate not in _USUAL_RATES:
            continue  # '2 ARNR2 Joghurt … 275,00': a position number, not a 2 % rate
        if 0 < rate <= 30 or (rate == 0 and percent):
            rates.append(rate)
    return rates


def tax_breakdown(doc: Doc, regions) -> list[tuple[Decimal, Decimal, Decimal, list[Word]]]:
    """(rate, base, tax, words) rows where base × rate / 100 = tax to the cent."""
    rows, seen = [], set()
    for line in doc.lines:
        amounts = _amounts(line.words)
        if len(amounts) < 2 or in_regions(line.words, regions):
            continue
        taken = {id(w) for _, ws in amounts for w in ws}
        for rate in _rates(line.words, taken):
            for (base, base_words), (tax, tax_words) in product(amounts, amounts):
                if base_words is tax_words or abs(tax) > abs(base):
                    continue
                expected = (base * rate / 100).quantize(CENT)
                if abs(expected - tax) <= CENT and (rate, base, tax) not in seen:
                    seen.add((rate, base, tax))
                    rows.append((rate, base, tax, base_words + tax_words))
    return rows


def _breakdown_sums(rows) -> list[tuple[Decimal, Decimal]]:
    """(base, tax) sums: all rows, and one row per rate (the largest: a summary table
    repeats what the item rows said)."""
    if not rows:
        return []
    sums = [(sum(r[1] for r in rows), sum(r[2] for r in rows))]
    per_rate = {}
    for rate, base, tax, _ in rows:
        if rate not in per_rate or abs(base) > abs(per_rate[rate][0]):
            per_rate[rate] = (base, tax)
    sums.append((sum(b for b, _ in per_rate.values()), sum(t for _, t in per_rate.values())))
    return list(dict.fromkeys(sums))


def find_totals(doc: Doc, regions) -> dict[str, dict]:
    found = {name: labelled(doc, name, regions) for name in NAMES}
    rows = tax_breakdown(doc, regions)
    sums = _breakdown_sums(rows)
    row_words = [w for r in rows for w in r[3]]
    untaxed = [(v, ws, False) for v, ws in found["untaxed_amount"]]
    untaxed += [(b, row_words, True) for b, _ in sums]
    tax = [(v, ws, False) for v, ws in found["tax_amount"]] + [
        (t, row_words, True) for _, t in sums
    ]
    total = [(v, ws, False) for v, ws in found["total_amount"]]
    # The breakdown's base + tax printed anywhere (a sum row without its own label).
    printed = {}
    for line in doc.lines:
        for value, words in _amounts(line.words):
            printed.setdefault(value, words)
    total += [(b + t, printed[b + t], True) for b, t in sums if b + t in printed]

    best, best_key = None, None
    for (u, uw, ub), (t, tw, tb), (g, gw, _) in product(untaxed, tax, total):
        # A credit note's tax whose minus OCR lost ('Steuerbetrag 1,12' beside
        # 'Bruttosumme -8,79'): the sign of its net and total is the tax's too.
        flipped = doc.is_ocr and u < 0 and g < 0 < t
        if flipped:
            t = -t
        if abs(u + t - g) > CENT or abs(t) > abs(u):
            continue
        agrees = any(abs(t - st) <= CENT and abs(u - sb) <= CENT for sb, st in sums)
        key = (agrees, not flipped, abs(g), not ub, not tb)
        if best_key is None or key > best_key:
            best, best_key = ((u, uw), (t, tw), (g, gw)), key
    candidates = {
        "untaxed_amount": [money_str(v) for v, _, _ in untaxed],
        "tax_amount": [money_str(v) for v, _, _ in tax],
        "total_amount": [money_str(v) for v, _, _ in total],
    }
    if best is not None:
        confidence = 0.97 if best_key[0] else 0.9 if best_key[1] else 0.7
        return {
            name: doc.field(money_str(value), confidence, words, candidates[name])
            for name, (value, words) in zip(NAMES, best, strict=True)
        }
    return _unmatched(doc, found, sums, row_words, candidates)


def _unmatched(doc: Doc, found, sums, row_words, candidates) -> dict[str, dict]:
    """No three amounts agree: the breakdown's sums, else the first labelled untaxed and
    tax amounts and the largest labelled total; one missing amount is derived."""
    picks = {}
    if sums:
        base, tax = sums[0]
        picks["untaxed_amount"] = (base, row_words, 0.8)
        picks["tax_amount"] = (tax, row_words, 0.8)
    for name in NAMES:
        if name in picks or not found[name]:
            continue
        if name == "total_amount":
            value, words = max(found[name], key=lambda vw: abs(vw[0]))
        else:
            value, words = found[name][0]
        picks[name] = (value, words, 0.9 if name == "total_amount" else 0.7)
    values = {name: picks[name][0] if name in picks else None for name in NAMES}
    derived = checks.complete_totals(values)
    out = {}
    for name in NAMES:
        if name in picks:
            value, words, confidence = picks[name]
            out[name] = doc.field(money_str(value), confidence, words, candidates[name])
        elif derived.get(name) is not None:
            out[name] = doc.field(money_str(derived[name]), 0.6, None, candidates[name])
        else:
            out[name] = empty_field()
    return out
