"""Find and normalise typed values in text: amounts, dates, VAT numbers, IBANs,
payment references and currencies. Checksums come from python-stdnum.

Every ``find_*`` function returns matches in text order as ``Match`` tuples with the
character span, so callers can map a value back to the words it came from.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from stdnum import iban as std_iban
from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.eu import vat as eu_vat

from .layout import fold


class Match(NamedTuple):
    value: object
    start: int
    end: int
    valid: bool = True


# ---------------------------------------------------------------- amounts
_SPACES = " \u00a0\u202f"
_AMOUNT_RE = re.compile(
    r"(?<![\d.,])(-?(?:\d{1,3}(?:[,.'" + _SPACES + r"]\d{3})+|\d+)[.,]\d{2})(?![\d%]|[.,]\d|\s?%)"
)


def parse_amount(raw: str) -> Decimal | None:
    """'1.234,56' / '1,234.56' / '1 234,56' / '1234.56' -> Decimal('1234.56')."""
    raw = raw.strip()
    decimal_sep = raw[-3]
    body = raw[:-3]
    seps = {c for c in body if not c.isdigit() and c != "-"}
    if len(seps) > 1 or decimal_sep in seps:
        return None
    digits = re.sub(r"[^\d-]", "", body)
    try:
        return Decimal(f"{digits}.{raw[-2:]}")
    except InvalidOperation:
        return None


def find_amounts(text: str) -> list[Match]:
    # OCR sometimes puts a space after the decimal comma ("6.516, 90"): close it first,
    # keeping the text length so spans still line up.
    text = re.sub(r"(\d[.,]) (\d{2})(?!\d)", lambda m: m.group(1) + m.group(2) + " ", text)
    # ...and reads a thousands dot as a colon ("26:289,63"); times have no decimals.
    text = re.sub(r"(?<=\d):(?=\d{3}[.,]\d{2}(?!\d))", ".", text)
    # ...and sees a speck before a number as a dot (".22 338,72").
    text = re.sub(r"(?:(?<=\s)|^)[.,](?=\d)", " ", text)
    # ...and a zero as the letter O before the cents ("RMO.00", "O,50").
    text = re.sub(r"(?:(?<=RM)|(?<=[\s$:€£])|^)[Oo](?=[.,]\d\d(?!\d))", "0", text)
    # ...and a thin minus as "=" ("=7,67"); a dash or the minus sign is one too. ("~" is
    # not: OCR puts it before amounts for any speck.)
    text = re.sub(r"(?:(?<=\s)|^)[=–—−](?=\d)", "-", text)
    found = []
    for m in _AMOUNT_RE.finditer(text):
        value = parse_amount(m.group(1))
        if value is not None:
            found.append(Match(value, m.start(1), m.end(1)))
    return found


def money_str(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


def parse_quantity(raw: str, decimal_sep: str = ".") -> Decimal | None:
    raw = raw.strip()
    if not re.fullmatch(r"\d+(?:[.,]\d+)?", raw):
        return None
    other = "," if decimal_sep == "." else "."
    if other in raw and re.fullmatch(r"\d{1,3}[.,]\d{3}", raw):
        raw = raw.replace(other, "")  # thousands separator in this document
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None


def quantity_str(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


# ---------------------------------------------------------------- dates
_MONTHS = {
    1: "january jan janvier janv januari januar jänner",
    2: "february feb fevrier fevr fev februari februar",
    3: "march mar mars maart marz mrz",
    4: "april apr avril avr",
    5: "may mai mei",
    6: "june jun juin juni",
    7: "july jul juillet juil juli",
    8: "august aug aout augustus",
    9: "september sep sept septembre",
    10: "october oct octobre oktober okt",
    11: "november nov novembre",
    12: "december dec decembre dezember dez",
}
_MONTH_BY_NAME = {fold(name): num for num, names in _MONTHS.items() for name in names.split()}
_MONTH_ALT = "|".join(sorted(_MONTH_BY_NAME, key=len, reverse=True))
# A date glued to the time after it ('01-06-201818:21:09', '2018-01-0522:55:25'): OCR of
# a receipt drops the space between them.
_GLUED_TIME = r"(?=\d{2}:\d{2})"
_DATE_NUMERIC = re.compile(
    r"(?<!\d)(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}(?!\d)|\d{4}"
    + _GLUED_TIME
    + r"|\d{2}(?!\d))"
)
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:(?!\d)|" + _GLUED_TIME + ")")
_DATE_DAY_MONTH = re.compile(
    r"(?<!\d)(\d{1,2})(?:\.|er|st|nd|rd|th)?\s*(" + _MONTH_ALT + r")\.?,?\s*(\d{4})(?!\d)"
)
_DATE_MONTH_DAY = re.compile(
    r"\b(" + _MONTH_ALT + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s?,?\s+(\d{4})(?!\d)"
)


def _date(year: int, month: int, day: int) -> dt.date | None:
    if year < 100:
        year += 2000
    elif 2100 <= year < 3000:
        year = 2000 + year % 100  # OCR: '2618' / '2918' for '2018'
    if not 1900 <= year < 2100:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str) -> list[Match]:
    """Day-first numeric, ISO and month-name dates in EN/FR/NL/DE."""
    folded = fold(text)
    found: list[Match] = []
    for m in _DATE_ISO.finditer(folded):
        found.append(Match(_date(int(m[1]), int(m[2]), int(m[3])), m.start(), m.end()))
    for m in _DATE_NUMERIC.finditer(folded):
        found.append(Match(_date(int(m[4]), int(m[3]), int(m[1])), m.start(), m.end()))
    for m in _DATE_DAY_MONTH.finditer(folded):
        month = _MONTH_BY_NAME[m[2]]
        found.append(Match(_date(int(m[3]), month, int(m[1])), m.start(), m.end()))
    for m in _DATE_MONTH_DAY.finditer(folded):
        month = _MONTH_BY_NAME[m[1]]
        found.append(Match(_date(int(m[3]), month, int(m[2])), m.start(), m.end()))
    found = [f for f in found if f.value is not None]
    return sorted(found, key=lambda f: f.start)


# ---------------------------------------------------------------- VAT numbers
# Length of the national part once separators are removed.
_VAT_LENGTHS = {"BE": (10, 9), "NL": (12,), "FR": (11,), "DE": (9,), "LU": (8,), "AT": (9,),
                "GB": (9, 12), "NO": (9,), "CHE": (9,), "IT": (11,), "ES": (9,), "DK": (8,),
                "SE": (12,), "FI": (8,), "PL": (10,), "PT": (9,), "IE": (8, 9)}  # fmt: skip
_VAT_RE = re.compile(
    r"\b(BE|NL|FR|DE|LU|AT|GB|NO|CHE|IT|ES|DK|SE|FI|PL|PT|IE)\s?[:.\-]?\s?"
    r"([\dOIl][ .\-]?(?:[0-9A-Z][ .\-]?){6,13}[0-9A-Z]?)"
)
_NON_EU_VAT = {"GB": "stdnum.gb.vat", "NO": "stdnum.no.mva", "CH": "stdnum.ch.vat"}


def vat_is_valid(number: str) -> bool:
    """Checksum of an EU VAT number, or of a UK, Swiss or Norwegian one (python-stdnum's
    country modules); a German Steuernummer has no country prefix and never passes."""
    import importlib

    module = _NON_EU_VAT.get(number[:2])
    if module is None:
        return eu_vat.is_valid(number)
    # The Swiss and Norwegian modules want the number's printed suffix.
    suffixes = {"CH": ("", " MWST", " TVA", " IVA"), "NO": ("", "MVA")}.get(number[:2], ("",))
    try:
        return any(importlib.import_module(module).is_valid(number + x) for x in suffixes)
    except Exception:
        return False


# Common OCR confusions, tried only when the printed number fails its checksum.
_OCR_DIGIT_FIXES = {"O": "0", "D": "0", "I": "1", "l": "1", "S": "5", "Z": "2", "B": "8"}
_DIGITS = str.maketrans(_OCR_DIGIT_FIXES)


def _vat_candidates(country: str, raw: str):
    """Compact numbers of each allowed length that end at a token boundary.

    The boundary rule stops 'FR76 2145...' inside an IBAN or a longer reference from
    being read as a French VAT number.
    """
    for length in _VAT_LENGTHS[country]:
        taken, end = 0, None
        for i, char in enumerate(raw):
            if char.isalnum():
                taken += 1
                if taken == length:
                    end = i + 1
                    break
        if end is None or (end < len(raw) and raw[end].isalnum()):
            continue
        number = re.sub(r"[ .\-]", "", raw[:end])
        if country == "BE" and length == 9:
            number = "0" + number
        yield country + number, end


def _ocr_variants(vat: str):
    """OCR repairs: all letters-for-digits at once, then single characters; NL
    '...804' is often '...B04'."""
    country, number = vat[:2], vat[2:]
    if country == "NL" and len(number) == 12:
        yield country + number[:9].translate(_DIGITS) + "B" + number[10:].translate(_DIGITS)
    else:
        yield country + number.translate(_DIGITS)
    if country == "NL" and len(number) == 12 and number[9] == "8":
        yield country + number[:9] + "B" + number[10:]
    for i, char in enumerate(number):
        if char in _OCR_DIGIT_FIXES and not (country == "NL" and i == 9):
            yield country + number[:i] + _OCR_DIGIT_FIXES[char] + number[i + 1 :]


def find_vats(text: str, ocr: bool = False) -> list[Match]:
    """VAT numbers with an EU country prefix; ``valid`` tells whether the checksum holds."""
    found = []
    for m in _VAT_RE.finditer(text.upper()):
        country = m[1]
        candidates = list(_vat_candidates(country, m[2]))
        best = next(((c, e) for c, e in candidates if vat_is_valid(c)), None)
        if best is None and ocr:
            for candidate, end in candidates:
                fixed = next((v for v in _ocr_variants(candidate) if vat_is_valid(v)), None)
                if fixed:
                    best = (fixed, end)
                    break
        if best is not None:
            found.append(Match(best[0], m.start(), m.start(2) + best[1], True))
        elif candidates and sum(c.isdigit() for c in candidates[0][0]) >= 0.7 * len(
            candidates[0][0]
        ):
            found.append(Match(candidates[0][0], m.start(), m.start(2) + candidates[0][1], False))
    return found


# ---------------------------------------------------------------- IBAN
_IBAN_LENGTHS = {"BE": 16, "NL": 18, "FR": 27, "DE": 22, "LU": 20, "GB": 22, "ES": 24, "IT": 27,
                 "CH": 21, "AT": 20}  # fmt: skip
_IBAN_RE = re.compile(r"\b([A-Z]{2}[0-9OSIlBDZ]{2}(?:\s?[A-Za-z0-9]){10,30})")
# BBAN shapes (n = digit, a = letter, c = either) for the OCR repair of common countries.
_BBAN_SHAPES = {"BE": "n" * 12, "NL": "aaaa" + "n" * 10, "DE": "n" * 18, "LU": "nnn" + "c" * 13,
                "FR": "n" * 10 + "c" * 11 + "nn", "GB": "aaaa" + "n" * 14}  # fmt: skip
_LETTERS = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"})


def find_ibans(text: str) -> list[Match]:
    found = []
    for m in _IBAN_RE.finditer(text):
        compact = re.sub(r"\s", "", m[1])
        country = compact[:2]
        if country not in _IBAN_LENGTHS:
            continue
        length = _IBAN_LENGTHS[country]
        candidate = compact[:length]
        if len(candidate) < length:
            continue
        valid = std_iban.is_valid(candidate)
        if not valid:
            fixed = _fix_iban(candidate)
            if fixed:
                candidate, valid = fixed, True
        found.append(Match(candidate, m.start(), m.end(), valid))
    return found


def _fix_iban(iban: str) -> str | None:
    """Repair OCR confusions: force digits/letters where the country's format wants
    them, then try single substitutions."""
    country = iban[:2]
    shape = "nn" + _BBAN_SHAPES.get(country, "c" * (len(iban) - 4))
    chars = list(iban[2:].upper())
    for i, kind in enumerate(shape[: len(chars)]):
        if kind == "n":
            chars[i] = chars[i].translate(_DIGITS)
        elif kind == "a":
            chars[i] = chars[i].translate(_LETTERS)
    shaped = country + "".join(chars)
    if std_iban.is_valid(shaped):
        return shaped
    for i in range(2, len(shaped)):
        char = shaped[i]
        if char in _OCR_DIGIT_FIXES:
            variant = shaped[:i] + _OCR_DIGIT_FIXES[char] + shaped[i + 1 :]
            if std_iban.is_valid(variant):
                return variant
    return None


# ---------------------------------------------------------------- payment references
_OGM_RE = re.compile(r"[+*]{3}\s?(\d{3})\s?/\s?(\d{4})\s?/\s?(\d{5})\s?[+*]{3}")
_OGM_BARE_RE = re.compile(r"(?<![\d/])(\d{3})\s?/\s?(\d{4})\s?/\s?(\d{5})(?![\d/])")
_RF_RE = re.compile(r"\bRF\s?\d{2}(?:[\s\-]?[A-Z0-9]){1,21}")


def find_payment_references(text: str) -> list[Match]:
    """Belgian structured communications (+++123/4567/89002+++) and RF references."""
    found = []
    spans = set()
    for regex in (_OGM_RE, _OGM_BARE_RE):
        for m in regex.finditer(text):
            if any(s <= m.start() < e for s, e in spans):
                continue
            compact = m[1] + m[2] + m[3]
            found.append(Match(compact, m.start(), m.end(), ogm_vcs.is_valid(compact)))
            spans.add((m.start(), m.end()))
    for m in _RF_RE.finditer(text.upper()):
        groups = re.split(r"[\s\-]+", m[0].strip())
        best = None
        # The whole reference first, then without trailing groups that hold a letter
        # (the next word was swallowed). Never drop digit-only groups: a misread digit
        # would otherwise leave a shorter prefix that is valid by chance (1 in 97).
        for end in range(len(groups), 0, -1):
            compact = "".join(groups[:end])
            if len(compact) >= 5 and iso11649.is_valid(compact):
                best = compact
                break
            if end > 1 and groups[end - 1].isdigit():
                break
        if best is None:
            full = "".join(groups)
            fixed = "RF" + full[2:].translate(_DIGITS) if full[4:].isalnum() else full
            best = fixed if iso11649.is_valid(fixed) else None
        found.append(Match(best or "".join(groups), m.start(), m.end(), best is not None))
    return sorted(found, key=lambda f: f.start)


# ---------------------------------------------------------------- currency
_CURRENCY_RE = re.compile(
    r"€|\bEUR\b|\bEuro\b|US\$|S\$|\$|\bUSD\b|£|\bGBP\b|\bCHF\b|\bRM(?=\s?\d|\b)|\bMYR\b|"
    r"₹|\bRs\.?(?=\s?\d)|\bINR\b|\bSGD\b|\bJPY\b|¥|\bCAD\b|\bAUD\b|\bSEK\b|\bNOK\b|"
    r"\bDKK\b|\bPLN\b|\bzł|\bCZK\b|\bKč",
    re.I,
)
_CURRENCY_CODES = {"€": "EUR", "eur": "EUR", "euro": "EUR", "us$": "USD", "$": "USD",
                   "usd": "USD", "£": "GBP", "gbp": "GBP", "chf": "CHF", "rm": "MYR",
                   "myr": "MYR", "₹": "INR", "rs": "INR", "rs.": "INR", "inr": "INR",
                   "s$": "SGD", "sgd": "SGD", "jpy": "JPY", "¥": "JPY", "cad": "CAD",
                   "aud": "AUD", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "pln": "PLN",
                   "zł": "PLN", "czk": "CZK", "kč": "CZK"}  # fmt: skip
# One-character signs that OCR invents from specks and that several countries share.
WEAK_SIGNS = {"$", "£", "¥"}


def find_currencies(text: str) -> list[Match]:
    out = []
    for m in _CURRENCY_RE.finditer(text):
        raw = m[0].lower()
        if raw == "rm" and not re.match(r"RM", m[0]):
            continue  # 'rm' inside lower-case text is no ringgit sign
        if len(raw) == 3 and raw.isalpha() and not m[0].isupper():
            continue  # ISO codes are printed in capitals; 'Sek.' is Seksyen in an address
        out.append(Match(_CURRENCY_CODES[raw], m.start(), m.end(), raw not in WEAK_SIGNS))
    return out


# Words that place a document in a country, and that country's currency: the prior
# when the document prints no currency, or only a sign OCR may have made up.
COUNTRY_CUES = [
    ("MYR", r"\bsdn\.? ?bhd\b|\bbhd\b|\bmalaysia\b|\bjalan\b|\bjln\b|\btaman\b|"
            r"\bselangor\b|\bkuala lumpur\b|\bjohor\b"),
    ("INR", r"\bindia\b|\bgstin\b|\bpvt\.? ltd\b|\bcgst\b|\bsgst\b"),
    ("SGD", r"\bsingapore\b|\bpte\.? ltd\b"),
    ("GBP", r"\bunited kingdom\b|\bvat reg(?:istration)? no\b|\blondon\b"),
    ("CHF", r"\bschweiz\b|\bsuisse\b|\bsvizzera\b|\bche[- ]?\d{3}"),
    ("EUR", r"\bdeutschland\b|\bgmbh\b|\bust-?id|\bbelgi(?:e|que|um)\b|\bfrance\b|"
            r"\bnederland\b|\bbtw\b|\btva\b|\bmwst\b"),
]  # fmt: skip


def country_currency(text: str) -> str | None:
    """The currency of the country the text's cues point to (most cues wins)."""
    folded = fold(text)
    counts = {code: len(re.findall(pattern, folded)) for code, pattern in COUNTRY_CUES}
    best = max(counts, key=counts.get)
    return best if counts[best] else None
