"""Finding companies in the register by name, VAT number or domain.

Searching is free; only choosing a company costs a credit (see ``enrich``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from addons.partner_autocomplete import name_index, normalize, vat
from addons.partner_autocomplete.models import Company

MIN_LENGTH = 3
MAX_QUERY = 200
LIMIT = 8


class SearchRefused(ValueError):
    """A query that cannot be searched; the message says why."""


@dataclass(frozen=True)
class Hit:
    company: Company
    score: float


def _prepare(raw: str) -> str:
    text = " ".join((raw or "").split())
    if len(text) > MAX_QUERY:
        raise SearchRefused(f"Type at most {MAX_QUERY} characters to search.")
    if len(text) < MIN_LENGTH:
        raise SearchRefused(f"Type at least {MIN_LENGTH} characters to search.")
    return text


def _score(key: str, candidate: str) -> float:
    """0-100: how well the words typed match the company's words, in any order.

    Each typed word counts by its length and takes its best match among the
    company's words (the last one may be a prefix still being typed); the
    share of the company's name that was matched counts a fifth, so the
    shortest fitting name comes first.
    """
    typed = key.split()
    names = candidate.split()
    if not typed or not names:
        return 0.0
    total = matched = 0.0
    covered = set()
    for position, word in enumerate(typed):
        last = position == len(typed) - 1
        best, best_at = 0.0, -1
        for at, name in enumerate(names):
            score = fuzz.ratio(word, name)
            if last and len(word) >= 3 and len(name) > len(word):
                score = max(score, fuzz.ratio(word, name[: len(word)]) - 2)
            if score > best:
                best, best_at = score, at
        total += len(word)
        matched += len(word) * best
        if best >= 75:
            covered.add(best_at)
    words_score = matched / total
    cover = sum(len(names[i]) for i in covered) / sum(len(n) for n in names)
    return 0.8 * words_score + 20 * cover


# Points a company in the contact's country gains in the ranking: it passes
# companies elsewhere that match a little better, never a much better match.
SAME_COUNTRY = 10.0


def _ranked(hits: list[Hit], country: str, limit: int) -> list[Hit]:
    def rank(hit: Hit):
        bonus = SAME_COUNTRY if country and hit.company.country == country else 0.0
        return (-(hit.score + bonus), len(hit.company.name_key), hit.company.id)

    return sorted(hits, key=rank)[:limit]


def by_name(raw: str, limit: int = LIMIT, country: str = "") -> list[Hit]:
    """Companies whose name matches, those in ``country`` (the contact's,
    ISO alpha-2) first among close matches."""
    key = normalize.name_key(_prepare(raw))
    if not key:
        return []
    ids = name_index.candidates(key, score=_score)
    if not ids:
        return []
    rows = Company.select().where(Company.id.in_(ids))
    hits = [Hit(c, _score(key, c.name_key)) for c in rows]
    return _ranked([h for h in hits if h.score >= 60], country, limit)


def _range(field, prefix: str):
    # A range rather than LIKE: it uses the plain index on both databases.
    return (field >= prefix) & (field < prefix + "~")


def by_vat(raw: str, country: str = "", limit: int = LIMIT) -> list[Hit]:
    """Companies whose VAT number starts with what was typed: spaces, dots
    and dashes ignored, the country prefix optional."""
    number = vat.clean(_prepare(raw))
    if not re.fullmatch(r"[A-Z0-9]+", number):
        raise SearchRefused("A VAT number has only letters and digits.")
    if number.startswith("GR"):
        number = "EL" + number[2:]
    if number[:2].isalpha():
        query = Company.select().where(_range(Company.vat, number))
    else:
        query = Company.select().where(_range(Company.vat_digits, number))
    rows = list(query.order_by(Company.vat).limit(limit * 4))
    if country and not number[:2].isalpha():
        rows.sort(key=lambda c: c.country != country)
    return [Hit(c, 100.0 if c.vat.endswith(number) else 90.0) for c in rows[:limit]]


def by_domain(raw: str, limit: int = LIMIT, country: str = "") -> list[Hit]:
    """Companies at the registrable domain of a website or email address;
    a domain still being typed (no suffix yet) is matched as a prefix."""
    text = _prepare(raw).lower()
    domain = normalize.registrable_domain(text)
    if domain and normalize.is_free_mail(domain):
        raise SearchRefused(f"{domain} is a free mail provider: it does not name a company.")
    if domain:
        rows = list(Company.select().where(Company.domain == domain).limit(limit * 4))
        return _ranked([Hit(c, 100.0) for c in rows], country, limit)
    stem = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.rsplit("@", 1)[-1])
    stem = re.sub(r"^www\.", "", stem).split("/")[0]
    if len(stem) < MIN_LENGTH or not re.fullmatch(r"[a-z0-9.-]+", stem):
        return []
    rows = Company.select().where(_range(Company.domain, stem)).order_by(Company.domain)
    return _ranked([Hit(c, 90.0) for c in rows.limit(limit * 4)], country, limit)


def search(raw: str, field: str = "name", country: str = "", limit: int = LIMIT) -> list[Hit]:
    """Suggestions for what was typed into ``field`` (``name``, ``vat``,
    ``website`` or ``email``). Raises :class:`SearchRefused`."""
    if field == "vat":
        return by_vat(raw, country, limit)
    if field in ("website", "email"):
        return by_domain(raw, limit, country)
    text = _prepare(raw)
    compact = vat.clean(text)
    if re.fullmatch(r"(?:[A-Z]{2,3})?\d{6,}[A-Z0-9]*", compact):
        found = by_vat(text, country, limit)
        if found:
            return found
    return by_name(text, limit, country)
