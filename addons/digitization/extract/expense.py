"""Field finders for expense receipts (narrow till receipts, one page)."""

from __future__ import annotations

import re

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


def find_merchant(doc: Doc) -> dict:
    """The merchant's name is the top line printed in the biggest type."""
    page = doc.pages[0]
    top_lines = [ln for ln in page.lines if ln.top < page.height * 0.35]
    top_lines = [ln for ln in top_lines if not find_dates(ln.text) and not find_amounts(ln.text)]
    if not top_lines:
        return empty_field()
    biggest = max(ln.size for ln in top_lines)
    line = next(ln for ln in top_lines if ln.size >= 0.85 * biggest)
    return doc.field(line.text, 0.85, line.words)


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


def _labelled_amounts(doc: Doc, field: str):
    out = []
    for hit in doc.hits_for(field):
        tail = doc.tail(hit)
        if not tail or find_vats(" ".join(w.text for w in tail)):
            continue
        found = find_in_words(tail, find_amounts)
        if found:
            out.append(found[-1])
    return out


def find_total_and_tax(doc: Doc) -> tuple[dict, dict]:
    totals = _labelled_amounts(doc, "total_amount")
    if totals:
        match, words = max(totals, key=lambda mw: mw[0].value)
        total = doc.field(money_str(match.value), 0.9, words)
    else:
        every = [f for line in doc.lines for f in find_in_words(line.words, find_amounts)]
        if every:
            match, words = max(every, key=lambda mw: mw[0].value)
            total = doc.field(money_str(match.value), 0.5, words)
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
