"""The sample dataset: fictional companies and people generated from a fixed seed.

``rows(companies, seed)`` yields CSV lines in :mod:`dataset`'s format, the
same every time for the same arguments: 20,000 companies and 60,000 people
across the EU, the United Kingdom and the United States by default (states
for the US), with SIC major groups, sizes, roles and seniorities, and IPv4
ranges for some companies inside blocks the offline IP database places in
the company's country. Every name, domain (under ``.example``) and number is
made up: it is **sample data**, labelled so wherever it is shown.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import random
from collections.abc import Iterator

from addons.lead_generation.taxonomy import (
    EU,
    REVENUE_BANDS,
    ROLES,
    SENIORITIES,
    SIC_GROUPS,
    US_STATES,
)

SEED = 16
COMPANIES = 20_000
# People per company cycle through 1..5: three per company on average, exactly.
PEOPLE_PATTERN = (1, 4, 2, 5, 3)

# Country weights: the US, the UK and the larger EU economies carry more companies.
_WEIGHTS = {"US": 24, "GB": 10, "DE": 10, "FR": 9, "IT": 6, "ES": 5, "NL": 5, "BE": 5, "PL": 3}
# Blocks the offline database (geoip2fast) places in these countries: /28s of
# them go to the first companies of each country, so a visit from such an IP
# reveals a company of the visitor's country.
IP_BLOCKS = {
    "BE": "81.240.0.0/13",
    "NL": "77.160.0.0/15",
    "DE": "84.128.0.0/12",
    "FR": "90.0.0.0/13",
    "GB": "81.96.0.0/13",
    "US": "8.0.0.0/20",
    "ES": "83.32.0.0/13",
    "IT": "79.0.0.0/11",
}
RANGES_PER_COUNTRY = 200
# Software and IT (SIC 73) is over-represented, as in a CRM's prospects.
_SIC_WEIGHTS = {code: (12 if code == "73" else 1) for code in SIC_GROUPS}

_SYLLABLES = [
    "al",
    "ba",
    "ce",
    "do",
    "el",
    "fi",
    "ga",
    "ho",
    "in",
    "ju",
    "ka",
    "lo",
    "mi",
    "no",
    "or",
    "pa",
    "qui",
    "ra",
    "so",
    "ti",
    "ul",
    "ve",
    "wa",
    "xe",
    "yo",
    "za",
    "bel",
    "cor",
    "dex",
    "fan",
    "gor",
    "hel",
    "jan",
    "kor",
    "lum",
    "mar",
    "nor",
    "pel",
    "quo",
    "ros",
    "sil",
    "tor",
    "ven",
    "wil",
]
_SUFFIXES = (
    "Systems",
    "Labs",
    "Group",
    "Works",
    "Solutions",
    "Partners",
    "Industries",
    "Software",
    "Logistics",
    "Foods",
    "Energy",
    "Consulting",
    "Media",
    "Health",
)
_FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Klara",
    "Lucas",
    "Mila",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Xena",
    "Yann",
    "Zoe",
    "Lea",
    "Tom",
    "Eva",
    "Max",
    "Iris",
]
_LAST = [
    "Peeters",
    "Janssens",
    "Maes",
    "Dubois",
    "Martin",
    "Smith",
    "Jones",
    "Müller",
    "Schmidt",
    "Rossi",
    "Garcia",
    "De",
    "Vries",
    "Jansen",
    "Novak",
    "Kowalski",
    "Silva",
    "Costa",
    "Olsen",
    "Berg",
    "Murphy",
    "Walsh",
    "Brown",
    "Lee",
    "Moreau",
    "Fischer",
    "Weber",
    "Bianchi",
    "Lopez",
    "Visser",
    "Nagy",
]
_TLD = {"GB": "uk", "US": "us"}
_SIZE_STEPS = (5, 10, 20, 50, 100, 250, 500, 1000, 2500, 5000)


def _countries() -> tuple[list[str], list[int]]:
    names = [*EU, "GB", "US"]
    return names, [_WEIGHTS.get(c, 1) for c in names]


def _revenue(employees: int) -> str:
    for limit, band in zip((10, 50, 250, 1000, 5000), REVENUE_BANDS, strict=False):
        if employees < limit:
            return band
    return REVENUE_BANDS[-1]


def _phone(rng: random.Random) -> str:
    return f"+{rng.randint(1, 49)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"


def rows(
    companies: int = COMPANIES, seed: int = SEED, people: tuple[int, ...] = PEOPLE_PATTERN
) -> Iterator[dict]:
    """The sample's rows as dicts of :data:`dataset.COLUMNS`; ``people`` is the
    cycle of people per company (the benchmark's universe has 4 on average)."""
    rng = random.Random(seed)
    countries, weights = _countries()
    sics, sic_weights = list(_SIC_WEIGHTS), list(_SIC_WEIGHTS.values())
    roles, seniorities = list(ROLES), list(SENIORITIES)
    next_range = {c: ipaddress.ip_network(b).network_address for c, b in IP_BLOCKS.items()}
    ranges_left = dict.fromkeys(IP_BLOCKS, RANGES_PER_COUNTRY)
    person_no = 0
    for index in range(1, companies + 1):
        country = rng.choices(countries, weights)[0]
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        name = f"{word.capitalize()} {rng.choice(_SUFFIXES)}"
        slug = f"{word}{index}"
        domain = f"{slug}.{_TLD.get(country, country.lower())}.example"
        step = rng.choice(_SIZE_STEPS)
        employees = rng.randint(max(1, step // 2), step)
        uid = f"S{index:06d}"
        vat = "" if country == "US" else f"{'GB' if country == 'GB' else country}{index:010d}"
        yield {
            "kind": "company",
            "id": uid,
            "name": name,
            "domain": domain,
            "vat": vat,
            "country": country,
            "state": rng.choice(US_STATES) if country == "US" else "",
            "city": f"{rng.choice(_SYLLABLES).capitalize()}ville",
            "sic": rng.choices(sics, sic_weights)[0],
            "employees": employees,
            "revenue_band": _revenue(employees),
            "founded": rng.randint(1950, 2024),
            "website": f"https://www.{domain}",
            "linkedin": f"https://www.linkedin.com/company/{slug}",
            "twitter": f"https://twitter.com/{slug}" if rng.random() < 0.6 else "",
            "email": f"info@{domain}",
            "phone": _phone(rng),
        }
        for _ in range(people[index % len(people)]):
            person_no += 1
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            role, seniority = rng.choice(roles), rng.choice(seniorities)
            yield {
                "kind": "person",
                "id": f"P{person_no:07d}",
                "company": uid,
                "name": f"{first} {last}",
                "job_title": f"{SENIORITIES[seniority]}, {ROLES[role]}",
                "email": f"{first.lower()}.{last.lower().replace(' ', '')}@{domain}",
                "phone": _phone(rng),
                "role": role,
                "seniority": seniority,
            }
        if ranges_left.get(country, 0) > 0:
            ranges_left[country] -= 1
            start = next_range[country]
            next_range[country] = start + 16
            yield {"kind": "ip_range", "company": uid, "cidr": f"{start}/28"}


def csv_lines(
    companies: int = COMPANIES, seed: int = SEED, people: tuple[int, ...] = PEOPLE_PATTERN
) -> Iterator[str]:
    """The sample as CSV text lines (header first), for :func:`dataset.load_lines`."""
    from addons.lead_generation.dataset import COLUMNS

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    yield buffer.getvalue()
    for row in rows(companies, seed, people):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()
