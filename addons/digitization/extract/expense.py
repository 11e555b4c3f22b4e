"""Field finders for expense receipts (narrow till receipts, one page)."""

from __future__ import annotations

import re
from decimal import Decimal

from . import checks
from .bill import find_currency
from .context import Doc, empty_field, find_in_words, first_in_lines
from .layout import fold
from .values import find_amounts, find_dates, find_vats, money_str

# Expense category from words on the receipt; first matching category wins.
CATEGORIES = [
    ("Taxi", r"\btaxi|\bcab\b|\buber\b|taxirit|taxifahrt|course taxi"),
    ("Train", r"\btrain|\bsncb\b|\bsncf\b|\bns reizigers|deutsche bahn|fahrkarte|treinkaartje"),
    ("Parking", r"parking|parkeren|parkhaus|parkgebuhr|stationnement"),
    ("Fuel", r"diesel|essence|benzine|\bsuper e10|tankstelle|\bfuel\b|petrol"),
    ("Hotel", r"\bhotel|nuitee|overnachting|ubernachtung|hotel night"),
    ("Lunch", r"restaurant|brasserie|\bcafe\b|trattoria|gasthaus|lunch|menu|dagschotel|"
              r"tagesgericht|espresso"),
]  # fmt: skip


# 'SDN BHD' as OCR reads it off thermal paper: 'SON BHO', 'SDN BH0', 'SDN 8HD', 'SDN DHD'.
_MALAY_LEGAL = re.compile(r"(?i)\bs[do0]n\.? ?[b8d]h[do0]\b\.?|(?<![\w/])[s5]/[b8](?![\w/])")
_LEGAL_NAME = re.compile(
    r"\b(?:sdn\.? ?bhd|bhd|s/b|gmbh|ltd|limited|llc|inc|plc|b\.?v|n\.?v|s\.?a|sarl|sas|"
    r"pte|pty|ag|kg|co\.|corp|enterprise|trading|restaurant|restoran|cafe|hardware|"
    r"stationery|mart|store|shop|bakeries|house)\.?\s*$",
    re.I,
)
_NOT_A_NAME = re.compile(
    r"(?i)\b(?:tax invoice|invoice|receipt|cash bill|bill|tel|fax|phone|gst|reg|no\b|date|"
    r"cashier|table|welcome|order|member|customer|www\.|http|@)"
)


# '(779763-K)', '(139386 X)', '822737-X'.
_REG_NUMBER = re.compile(r"\s*\(?\b[\w-]*\d[\w-]*(?: [A-Z])?\)?\s*$")


def _name_text(line) -> str:
    """'Sanjung Realiti Sdn. Bhd. (779763-K)' -> without its registration number; a
    Malaysian legal form OCR misread is written as it is printed ('SON BHO' -> 'SDN BHD',
    '5/8' -> 'S/B')."""
    text = _MALAY_LEGAL.sub(lambda m: _legal_form(m[0]), line.text)
    return _REG_NUMBER.sub("", text)


def _legal_form(raw: str) -> str:
    if re.fullmatch(r"(?i)sdn(?:\. ?| )bhd\b\.?|s/b", raw):
        return raw  # read right ('SDNBHD' lost its space)
    if "/" in raw:
        return "S/B"  # '5/8
    letters = [c for c in raw if c.isalpha()]
    return "SDN BHD" if all(c.isupper() for c in letters) else "Sdn Bhd"


def _name_like(line, legal: bool = False) -> bool:
    """Capitals, no digits, not a label; a legal name may be in mixed case
    ('Gerbang Alaf Restaurants Sdn Bhd') and full of dots ('MR. D.I.Y. (M) SDN BHD')."""
    text = _name_text(line)
    letters = sum(c.isalpha() for c in text)
    upper = sum(c.isupper() for c in text)
    digits = sum(c.isdigit() for c in text)
    confidence = sum(w.conf for w in line.words) / len(line.words)
    return (
        letters >= 4
        and letters >= (0.5 if legal else 0.7) * len(text.replace(" ", ""))  # 'MR. D.I.Y.'
        and digits <= (0.3 * letters if legal else 0)  # '99 SPEED MART S/B'
        and (legal or upper >= 0.6 * letters)
        and confidence >= 0.5
        and not _NOT_A_NAME.search(text)
    )


def find_merchant(doc: Doc) -> dict:
    """The merchant: its legal name ('… SDN BHD', '… GmbH') near the top, else the first
    name-like line (capitals, no digits, not a label), joined with its second half when
    it ends with '&'."""
    page = doc.pages[0]
    top_lines = [ln for ln in page.lines if ln.top < page.height * 0.4][:14]
    top_lines = [ln for ln in top_lines if not find_dates(ln.text) and not find_amounts(ln.text)]
    if not top_lines:
        return empty_field()
    legal = [ln for ln in top_lines[:8]
             if _LEGAL_NAME.search(_name_text(ln)) and _name_like(ln, legal=True)]  # fmt: skip
    named = [ln for ln in top_lines if _name_like(ln)]
    if legal:
        line, confidence = legal[0], 0.85
    elif named:
        line, confidence = named[0], 0.7
    else:
        # No line looks like a name: the first of the biggest, labels ('TAX INVOICE') aside.
        unlabelled = [ln for ln in top_lines if not _NOT_A_NAME.search(ln.text)] or top_lines
        biggest = max(ln.size for ln in unlabelled)
        line, confidence = next(ln for ln in unlabelled if ln.size >= 0.85 * biggest), 0.4
    index = page.lines.index(line)
    lines = [line]
    if line.text.rstrip().endswith(("&", "-", " AND")) and index + 1 < len(page.lines):
        if _name_like(page.lines[index + 1]):
            lines.append(page.lines[index + 1])
    elif line in legal and index > 0 and _name_like(page.lines[index - 1]):
        core = _LEGAL_NAME.sub("", _name_text(line))
        if not re.sub(r"(?i)\bco\b\.?|\(m\)|&|\W", "", core):
            lines.insert(0, page.lines[index - 1])  # 'POPULAR BOOK' over 'CO. (M) SDN BHD'
    words = [w for ln in lines for w in ln.words]
    text = " ".join(_name_text(ln).strip(" |:;,.'\"_~*") for ln in lines)
    text = " ".join(t for t in text.split() if any(c.isalnum() for c in t) or t == "&")
    return doc.field(text, confidence, words)


def find_date(doc: Doc) -> dict:
    for hit in doc.hits_for("invoice_date"):
        result = doc.value_near(hit, find_dates)
        if result:
            match, words = result
            return doc.field(match.value.isoformat(), 0.9, words)
    found = first_in_lines(doc, find_dates)
    if found:
        match, words = found
        return doc.field(match.value.isoformat(), 0.85, words)
    return empty_field()


_EXCLUDING = re.compile(r"(?i)\b(?:excl|excluding|exclusive|ex|before|sub)\b")
_NOT_TOTAL = re.compile(
    r"(?i)\b(?:qty|quantity|items?|pcs|disc|discount|saving|savings|points?)\b|\bitem|"
    r"\btotal\s*:?\s*(?:gst|tax|vat|sst)\b|"
    # A total per tax rate ('Total 0% supplies: 14.35') is a part of the receipt's total.
    r"\btotal\s+\d+(?:[.,]\d+)?\s*%"
)
_CASH_STEP = Decimal("0.05")  # cash totals are rounded to the smallest coin (MY, CH, …)
_PAID = ("cash", "paid", "tendered", "payment", "cash received", "received", "bayar", "tunai")
_CHANGE = ("change", "change due", "baki", "kembali", "wechselgeld", "ruckgeld", "rendu")


def _labelled_amounts(doc: Doc, field: str):
    out = []
    for hit in doc.hits_for(field):
        tail = doc.tail(hit)
        if find_vats(" ".join(w.text for w in tail)):
            continue
        label = " ".join(w.text for w in hit.words + tail[:3])
        if field == "total_amount" and (_EXCLUDING.search(label) or _NOT_TOTAL.search(label)):
            continue  # 'Total (Excluding GST)', 'Total Qty', 'Total GST'
        # 'Total: RM7.70': the label 'total rm' holds the amount glued to its sign.
        found = find_in_words(hit.words[1:] + tail, find_amounts)
        if found:
            out.append(found[-1])
    return out


def _line_amount(doc: Doc, words: tuple[str, ...]):
    """The last amount on the first line starting with one of ``words`` ('Cash', 'Change')."""
    for line in doc.lines:
        head = " ".join(w.norm for w in line.words[:2])
        if any(head == w or head.startswith(w + " ") or line.words[0].norm == w for w in words):
            found = find_in_words(line.words, find_amounts)
            if found:
                return found[-1]
    return None


def _all_amounts(doc: Doc, words: tuple[str, ...]):
    """The last amount of every line starting with one of ``words``."""
    out = []
    for line in doc.lines:
        head = " ".join(w.norm for w in line.words[:2])
        if any(head == w or head.startswith(w + " ") or line.words[0].norm == w for w in words):
            found = find_in_words(line.words, find_amounts)
            if found:
                out.append(found[-1])
    return out


def _starts_line(doc: Doc, words: tuple[str, ...]) -> bool:
    """Whether a line starts with one of ``words``, read or not its amount ('CHANGE 2.1')."""
    for line in doc.lines:
        head = " ".join(w.norm for w in line.words[:2])
        if any(head == w or head.startswith(w + " ") or line.words[0].norm == w for w in words):
            return True
    return False


def find_total_and_tax(doc: Doc) -> tuple[dict, dict]:
    """The total every source agrees on: labelled totals and what was paid minus the
    change (what was paid, when no change line is printed); the last labelled total when
    they disagree; cash − change when none is labelled (OCR lost the total's digits)."""
    totals = _labelled_amounts(doc, "total_amount")
    paid, change = _line_amount(doc, _PAID), _line_amount(doc, _CHANGE)
    tendered = None
    if paid and change and abs(paid[0].value) >= abs(change[0].value):
        tendered = abs(paid[0].value) - abs(change[0].value)  # 'Payment -20.00' is paid too
    elif paid and not _starts_line(doc, _CHANGE):
        tendered = abs(paid[0].value)  # no change given: what was paid is the total
    support: dict = {}
    for match, words in totals:
        support.setdefault(match.value, [0, words])[0] += 1
    if tendered is not None and tendered > 0:
        support.setdefault(tendered, [0, paid[1]])[0] += 1
    if change and change[0].value > 0:
        # Another amount paid, less the change, that lands on a printed amount: 'Cash
        # 71.00 / Cash Received 101.00 / Change 30.00', 'Total amount 1.50 / Accepted
        # total 2.00 / Change 0.50'.
        printed = {abs(m.value): ws for m, ws in _all_amounts(doc, _PAID)}
        printed.update({m.value: ws for m, ws in totals})
        for value in list(printed):
            rest = value - abs(change[0].value)
            if rest > 0 and rest != tendered and rest in printed:
                # Two readings agree: the amount printed, and paid less change.
                entry = support.setdefault(rest, [1, printed[rest]])
                entry[0] += 1
    agreed = [value for value, (count, _) in support.items() if count >= 2]
    if paid:
        # The total is printed just before what was paid; a tax summary comes after,
        # its 'Total: 168.00 10.08' a row of amounts (base, tax), never the total.
        at = doc.lines.index(doc.line_of(paid[1][0]))
        before, after = [], []
        for total in totals:
            line = doc.line_of(total[1][0])
            if doc.lines.index(line) < at:
                before.append(total)
            elif len(find_in_words(line.words, find_amounts)) < 2:
                after.append(total)
        totals = before or after
    rounded = tendered is not None and tendered > 0 and tendered % _CASH_STEP == 0 and any(
        0 < abs(match.value - tendered) < _CASH_STEP for match, _ in totals
    )  # fmt: skip
    if agreed:
        value = max(agreed, key=lambda v: support[v][0])
        total = doc.field(money_str(value), 0.95, support[value][1])
    elif rounded:
        # 'Total 14.38, Rounding Adjustment .02, Cash 20.00, Change 5.60': the total
        # paid is rounded to the smallest coin; the receipt's total is that one.
        total = doc.field(money_str(tendered), 0.75, paid[1])
    elif totals:
        match, words = totals[-1] if paid else max(totals, key=lambda mw: mw[0].value)
        total = doc.field(money_str(match.value), 0.75, words, [money_str(v) for v in support])
    elif tendered:
        total = doc.field(money_str(tendered), 0.6, paid[1])
    else:
        every = [f for line in doc.lines for f in find_in_words(line.words, find_amounts)]
        if every:
            match, words = max(every, key=lambda mw: mw[0].value)
            total = doc.field(money_str(match.value), 0.3, words)
        else:
            total = empty_field()
    taxes = _labelled_amounts(doc, "tax_amount")
    if taxes:
        match, words = taxes[0]
        tax = doc.field(money_str(match.value), 0.9, words)
    else:
        tax = empty_field()
    return total, tax


def find_description(doc: Doc, merchant: dict) -> dict:
    text = fold("\n".join(line.text for line in doc.lines))
    for category, pattern in CATEGORIES:
        if re.search(pattern, text):
            return doc.field(category, 0.8)
    if merchant.get("value"):
        return doc.field(merchant["value"], 0.3)
    return empty_field()


def extract_expense(doc: Doc) -> dict[str, dict]:
    merchant = find_merchant(doc)
    total, tax = find_total_and_tax(doc)
    fields = {
        "merchant": merchant,
        "date": find_date(doc),
        "total_amount": total,
        "tax_amount": tax,
        "currency": find_currency(doc),
        "description": find_description(doc, merchant),
    }
    checks.check_expense(fields)
    return fields
