"""Reading what a user typed into a field, in the library's normal forms.

Dates ``YYYY-MM-DD``, amounts ``"1234.56"``, currencies ISO 4217, VAT numbers and
IBANs compact: a corrected value compares equal to an extracted one when they
mean the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class InvalidValue(ValueError):
    """A value that does not fit its field; the message is for the user."""


def parse(kind: str, raw) -> str | None:
    """The normal form of ``raw`` for a field of type ``kind``; None when empty."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise InvalidValue("Enter a date as YYYY-MM-DD.") from None
    if kind == "amount":
        return format_amount(parse_decimal(text))
    if kind == "currency":
        if not re.fullmatch(r"[A-Za-z]{3}", text):
            raise InvalidValue("Enter a three-letter currency code such as EUR.")
        return text.upper()
    if kind in ("vat", "iban"):
        return re.sub(r"[\s.\-]", "", text).upper()
    if kind == "email":
        if not _EMAIL.match(text):
            raise InvalidValue("Enter an email such as jane@example.com.")
        return text.lower()
    return text


def parse_decimal(text: str) -> Decimal:
    """``1 234,56``, ``1.234,56`` and ``1,234.56`` are all 1234.56."""
    cleaned = _SPACES.sub("", text)
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidValue(f"{text!r} is not an amount.") from None
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        raise InvalidValue(f"{text!r} is not an amount.")
    return value


def format_amount(value: Decimal) -> str:
    if value.as_tuple().exponent >= -2:
        value = value.quantize(Decimal("0.01"))
    return f"{value:f}"


def same_amount(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    try:
        return parse_decimal(a) == parse_decimal(b)
    except InvalidValue:
        return False


def parse_lines(rows: list[dict]) -> list[dict]:
    """Invoice lines from the form; a row left empty is dropped."""
    lines = []
    for row in rows:
        description = str(row.get("description") or "").strip()
        numbers = {}
        for key in ("quantity", "unit_price", "amount"):
            raw = str(row.get(key) or "").strip()
            if not raw:
                numbers[key] = None
                continue
            try:
                value = parse_decimal(raw)
            except InvalidValue:
                raise InvalidValue(f"Line {len(lines) + 1}: {raw!r} is not a number.") from None
            numbers[key] = format_amount(value) if key != "quantity" else f"{value.normalize():f}"
        if description or any(numbers.values()):
            lines.append({"description": description, **numbers})
    return lines
