"""Who an SMS can go to, and at what price: reading a number and the refusals.

A number is read with the contact's country, then the company's, priced by
its country, and refused (:class:`Refused`, with the failure type the message
keeps) when it is missing, malformed, of a country without a price, or
blacklisted. Nothing here sends or charges anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from addons.sms import blacklist, numbers, pricing, pricing_table
from addons.sms.pricing import CountryNotSupported, Quote
from host import Setting


class Refused(Exception):
    """The message cannot go to this recipient; nothing was sent or charged."""

    def __init__(self, failure_type: str, message: str):
        super().__init__(message)
        self.failure_type = failure_type


@dataclass(frozen=True)
class Recipient:
    number: str  # E.164
    country: str
    quote: Quote


def company_country() -> str:
    return Setting.read("company_country")


def read_number(raw: str | None, contact_country: str, company: str) -> tuple[str, str]:
    """``(E.164 number, country)`` of a raw number, read with the contact's
    country, then the company's. Raises :class:`Refused` (missing, malformed)."""
    try:
        return numbers.locate(raw, (contact_country, company))
    except numbers.InvalidNumber as exc:
        kind = "number_missing" if exc.reason == numbers.MISSING else "wrong_format"
        raise Refused(kind, str(exc)) from None


def locate(
    raw: str | None, contact_country: str = "", table=None, company: str | None = None
) -> tuple[str, str, Decimal]:
    """``(E.164 number, country, credits per part)`` of a raw number, read as
    :func:`read_number` does (``company`` read from the settings when not
    given). Raises :class:`Refused`."""
    if company is None:
        company = company_country()
    number, country = read_number(raw, contact_country, company)
    table = pricing.prices() if table is None else table
    try:
        if not country:
            raise CountryNotSupported(number)
        per_part = pricing_table.price(1, country, table)
    except CountryNotSupported:
        raise unsupported_refusal(number) from None
    return number, country, per_part


def unsupported_refusal(number: str) -> Refused:
    return Refused(
        "country_not_supported",
        f"Sending SMS to {_country_name(number)} is not supported (no price is set for it).",
    )


def blacklisted_refusal(number: str, listed=None) -> Refused:
    """The refusal of a blacklisted number, saying why when its entry ``listed`` is given."""
    reason = f": {blacklist.why(listed)}" if listed is not None else ""
    return Refused(
        "blacklisted",
        f"{numbers.format_international(number)} is blacklisted{reason}. "
        "Remove it from the blacklist only with its owner's consent.",
    )


def check_recipient(raw: str | None, text: str, contact_country: str = "") -> Recipient:
    """Locate the number, price ``text`` to it and refuse a blacklisted number."""
    number, country, _ = locate(raw, contact_country)
    listed = blacklist.entry(number)
    if listed is not None:
        raise blacklisted_refusal(number, listed)
    return Recipient(number, country, pricing.quote(text, country))


def _country_name(number: str) -> str:
    try:
        return pricing.country_label(numbers.country_of(number))
    except numbers.InvalidNumber:
        return numbers.format_international(number)
