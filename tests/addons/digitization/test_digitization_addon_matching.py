"""Vendor names, VAT numbers and typed values, compared the way users expect."""

from __future__ import annotations

import pytest

from addons.digitization import matching, values
from host import Contact


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Kestrel Bouw SRL", "kestrel bouw"),
        ("KESTREL BOUW S.R.L.", "kestrel bouw"),
        ("Rivoli Design B.V.", "rivoli design"),
        ("Müller Logistik GmbH", "muller logistik"),
        ("Acme, Inc.", "acme"),
        ("Brasserie du Parc SPRL", "brasserie du parc"),
        ("Northwind Ltd", "northwind"),
        ("SA", "sa"),  # a name made only of a legal form stays a name
    ],
)
def test_normalize_name(raw, normal):
    assert matching.normalize_name(raw) == normal


def test_name_ratio_ignores_case_and_legal_form():
    assert matching.name_ratio("Kestrel Bouw SRL", "kestrel bouw bvba") == 1.0
    assert matching.name_ratio("Kestrel Bouw", "Kestrl Bouw NV") >= matching.NAME_RATIO
    assert matching.name_ratio("Kestrel Bouw", "Kestrel Consulting") < matching.NAME_RATIO


def test_find_vendor_prefers_vat_then_name(app):
    by_name = Contact.create(name="Kestrel Bouw", is_company=True)
    by_vat = Contact.create(name="KB Holding", vat="BE0477.472.701")
    assert matching.find_vendor("BE 0477 472 701", "Kestrel Bouw SRL") == (by_vat, "vat")
    assert matching.find_vendor("", "KESTREL BOUW S.R.L.") == (by_name, "name")
    assert matching.find_vendor("NL123", "Unknown Trading BV") == (None, "")
    assert matching.find_vendor("", "") == (None, "")


def test_create_vendor_takes_the_country_from_the_vat(app):
    contact = matching.create_vendor("Olympus Foods AE", "el 094014201")
    assert (contact.vat, contact.country, contact.is_company) == ("EL094014201", "GR", True)


@pytest.mark.parametrize(
    ("kind", "raw", "normal"),
    [
        ("amount", "1 234,5", "1234.50"),
        ("amount", "1.234,56", "1234.56"),
        ("amount", "1,234.56", "1234.56"),
        ("amount", "0.125", "0.125"),
        ("date", "2025-02-28", "2025-02-28"),
        ("currency", "eur", "EUR"),
        ("vat", "be 0477.472.701", "BE0477472701"),
        ("iban", "BE68 5390 0754 7034", "BE68539007547034"),
        ("email", "Jane@Example.com", "jane@example.com"),
        ("text", "  kept  ", "kept"),
        ("text", "   ", None),
    ],
)
def test_parse_values(kind, raw, normal):
    assert values.parse(kind, raw) == normal


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("amount", "12 EUR"), ("date", "28/02/2025"), ("currency", "euro"), ("email", "x")],
)
def test_parse_refuses(kind, raw):
    with pytest.raises(values.InvalidValue):
        values.parse(kind, raw)
