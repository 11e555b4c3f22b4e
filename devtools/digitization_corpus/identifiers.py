"""Checksum-valid VAT numbers, IBANs and payment references for generated bills.

Numbers are drawn at random and kept only when python-stdnum accepts them, so the
corpus never depends on our own reading of each country's checksum rules.
"""

from __future__ import annotations

import random

from stdnum import iban as std_iban
from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.eu import vat as eu_vat

VAT_COUNTRIES = ("BE", "NL", "FR", "DE")


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def make_vat(rng: random.Random, country: str) -> str:
    """A compact VAT number such as ``BE0123456749`` that passes stdnum's checksum."""
    for _ in range(10_000):
        if country == "BE":
            base = rng.choice("01") + str(rng.randint(1, 9)) + _digits(rng, 6)
            number = base + f"{97 - int(base) % 97:02d}"
        elif country == "NL":
            number = _digits(rng, 9) + "B" + f"{rng.randint(1, 20):02d}"
        elif country == "FR":
            siren = str(rng.randint(1, 9)) + _digits(rng, 8)
            number = f"{(12 + 3 * (int(siren) % 97)) % 97:02d}" + siren
        elif country == "DE":
            number = str(rng.randint(1, 9)) + _digits(rng, 8)
        else:
            raise ValueError(country)
        candidate = country + number
        if eu_vat.is_valid(candidate):
            return candidate
    raise RuntimeError(f"could not draw a valid {country} VAT number")


# A few real Belgian bank codes so that stdnum's BE bank table accepts the IBAN.
_BE_BANKS = ("001", "068", "310", "363", "539", "734", "735", "751")


def make_iban(rng: random.Random, country: str) -> str:
    """A compact IBAN for ``country`` (BE/NL/FR/DE) with valid check digits."""
    for _ in range(10_000):
        if country == "BE":
            head = rng.choice(_BE_BANKS) + _digits(rng, 7)
            check = int(head) % 97 or 97
            bban = f"{head}{check:02d}"
        elif country == "NL":
            bban = rng.choice(("INGB", "ABNA", "RABO", "TRIO")) + _digits(rng, 10)
        elif country == "FR":
            bank, branch, account = _digits(rng, 5), _digits(rng, 5), _digits(rng, 11)
            key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
            bban = f"{bank}{branch}{account}{key:02d}"
        elif country == "DE":
            bban = _digits(rng, 18)
        else:
            raise ValueError(country)
        check = std_iban.calc_check_digits(f"{country}00{bban}")
        candidate = f"{country}{check}{bban}"
        if std_iban.is_valid(candidate):
            return candidate
    raise RuntimeError(f"could not draw a valid {country} IBAN")


def make_payment_reference(rng: random.Random, vendor_country: str) -> tuple[str, str]:
    """Return (printed, compact) payment reference.

    Belgian vendors use the structured communication ``+++123/4567/89002+++``;
    others use an ISO 11649 ``RF`` creditor reference.
    """
    if vendor_country == "BE":
        base = _digits(rng, 10)
        compact = base + ogm_vcs.calc_check_digits(base)
        return f"+++{ogm_vcs.format(compact)}+++", compact
    body = _digits(rng, rng.randint(8, 14))
    check = 98 - int(iso11649.mod_97_10.checksum(body + "RF00") or 0)
    # mod_97_10.checksum returns the remainder; 98 - remainder gives the check digits.
    compact = f"RF{check:02d}{body}"
    if not iso11649.is_valid(compact):  # pragma: no cover - guards a wrong assumption
        raise RuntimeError(compact)
    return iso11649.format(compact), compact


def format_vat(vat: str, rng: random.Random) -> str:
    """Print a VAT number the way it often appears: compact or with separators."""
    if rng.random() < 0.5:
        return vat
    country, number = vat[:2], vat[2:]
    if country == "BE":
        return f"BE {number[:4]}.{number[4:7]}.{number[7:]}"
    if country == "FR":
        return f"FR {number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
    return f"{country} {number}"


def format_iban(iban: str) -> str:
    return std_iban.format(iban)
