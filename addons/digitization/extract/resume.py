"""Field finders for resumes: name, email and phone."""

from __future__ import annotations

import re

import phonenumbers

from .context import Doc, empty_field, first_in_lines
from .values import Match

# OCR puts spaces where an address has none: after a dot ('sophie. janssens@'),
# after the '@' ('thomas@ gmail.com'), inside its first label ('out look') and
# around the dots of the domain; they
# are let through here and removed after. A space between two words before the
# '@' is not: 'contact anna@x.be' must not become 'contact.anna@x.be'.
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9._%+\-]+(?:\. [A-Za-z0-9._%+\-]+)?"
    r"@ ?[A-Za-z0-9\-]+(?: [A-Za-z0-9\-]+)?(?: ?\. ?[A-Za-z0-9\-]+)*? ?\. ?[A-Za-z]{2,}\b"
)
# Regions tried for numbers printed without +country code.
_PHONE_REGIONS = ("BE", "NL", "FR", "DE", "GB", "US")


def find_email(doc: Doc) -> dict:
    # An address right after a word ('anna muller@…') may have lost its first
    # part to a misread dot: kept, but with a confidence that asks for a look.
    after_a_word: set[str] = set()

    def emails(text: str) -> list[Match]:
        found = []
        for m in _EMAIL_RE.finditer(text):
            value = m[0].replace(" ", "")
            if m.start() >= 2 and text[m.start() - 1] == " " and text[m.start() - 2].isalnum():
                after_a_word.add(value)
            found.append(Match(value, m.start(), m.end()))
        return found

    found = first_in_lines(doc, emails)
    if not found:
        return empty_field()
    match, words = found
    confidence = 0.5 if match.value in after_a_word else 0.95
    # A rule or bullet read before it ('_noah@…', '-noah@…') is not part of it.
    value = match.value.strip(".").lstrip("_-").lower()
    return doc.field(value, confidence, words)


def _phones(text: str) -> list[Match]:
    out = []
    for region in _PHONE_REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(text, region):
            if phonenumbers.is_valid_number(m.number):
                e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
                out.append(Match(e164, m.start, m.end))
        if out:
            break
    return out


def find_phone(doc: Doc) -> dict:
    found = first_in_lines(doc, _phones)
    if not found:
        return empty_field()
    match, words = found
    return doc.field(match.value, 0.9, words)


def _looks_like_a_name(text: str) -> bool:
    """Two words or more, mostly letters: not OCR crumbs such as 'ee' or '_'."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    letters = sum(c.isalpha() for c in text)
    return len(words) >= 2 and letters >= 0.8 * len(text.replace(" ", ""))


# 'J ulia Lambert': OCR splits a capital from the rest of its word.
_SPLIT_CAPITAL_RE = re.compile(r"\b([A-ZÀ-Ý]) (?=[a-zß-ÿ]{2,})")


def find_name(doc: Doc) -> dict:
    """The candidate's name: the biggest text near the top that is not contact data."""
    page = doc.pages[0]
    segments = [
        seg for line in page.lines if line.top < page.height * 0.3 for seg in line.segments
        if "@" not in seg.text and not any(c.isdigit() for c in seg.text)
    ]  # fmt: skip
    segments = [seg for seg in segments if _looks_like_a_name(seg.text)] or segments
    if not segments:
        return empty_field()
    seg = max(segments, key=lambda s: (max(w.size for w in s.words), -s.words[0].top))
    return doc.field(_SPLIT_CAPITAL_RE.sub(r"\1", seg.text), 0.85, seg.words)


def extract_resume(doc: Doc) -> dict[str, dict]:
    return {"name": find_name(doc), "email": find_email(doc), "phone": find_phone(doc)}
