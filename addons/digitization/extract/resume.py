"""Field finders for resumes: name, email and phone."""

from __future__ import annotations

import re

import phonenumbers

from .context import Doc, empty_field, find_in_words
from .values import Match

# The optional '. ' lets OCR's 'sophie. janssens@...' through; spaces are removed after.
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9._%+\-]+(?:\. [A-Za-z0-9._%+\-]+)?@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
)
# Regions tried for numbers printed without +country code.
_PHONE_REGIONS = ("BE", "NL", "FR", "DE", "GB", "US")


def find_email(doc: Doc) -> dict:
    for line in doc.lines:
        found = find_in_words(
            line.words,
            lambda t: [
                Match(m[0].replace(" ", ""), m.start(), m.end()) for m in _EMAIL_RE.finditer(t)
            ],
        )
        if found:
            match, words = found[0]
            return doc.field(match.value.strip(".").lower(), 0.95, words)
    return empty_field()


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
    for line in doc.lines:
        found = find_in_words(line.words, _phones)
        if found:
            match, words = found[0]
            return doc.field(match.value, 0.9, words)
    return empty_field()


def find_name(doc: Doc) -> dict:
    """The candidate's name: the biggest text near the top that is not contact data."""
    page = doc.pages[0]
    segments = [
        seg for line in page.lines if line.top < page.height * 0.3 for seg in line.segments
        if "@" not in seg.text and not any(c.isdigit() for c in seg.text)
    ]  # fmt: skip
    if not segments:
        return empty_field()
    seg = max(segments, key=lambda s: (max(w.size for w in s.words), -s.words[0].top))
    return doc.field(seg.text, 0.85, seg.words)


def extract_resume(doc: Doc) -> dict[str, dict]:
    return {"name": find_name(doc), "email": find_email(doc), "phone": find_phone(doc)}
