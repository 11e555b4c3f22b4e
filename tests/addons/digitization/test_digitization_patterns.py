"""Value patterns met on real documents (issue 13): VAT numbers outside the EU, dates
with a space before the comma, local currency signs, swapped net and tax."""

from __future__ import annotations

from addons.digitization.extract import checks
from addons.digitization.extract.values import (
    country_currency,
    find_currencies,
    find_dates,
    find_vats,
)


def test_uk_swiss_and_norwegian_vat_numbers_pass_their_own_checksums():
    assert [m.value for m in find_vats("VAT Reg No: GB 980 7806 84") if m.valid] == ["GB980780684"]
    assert [m.value for m in find_vats("UID CHE-107.787.577 MWST") if m.valid] == ["CHE107787577"]
    assert [m.value for m in find_vats("Org.nr NO 995 525 828 MVA") if m.valid] == ["NO995525828"]


def test_a_german_tax_number_is_not_a_vat_number():
    assert find_vats("Steuernummer: 201/113/40209") == []


def test_month_day_with_a_space_before_the_comma():
    assert [m.value.isoformat() for m in find_dates("August 3 , 2014")] == ["2014-08-03"]


def test_ocr_year_slip_is_repaired_and_impossible_years_refused():
    assert [m.value.isoformat() for m in find_dates("12-02-2618")] == ["2018-02-12"]
    assert find_dates("12.02.1234") == []


def test_ringgit_sign_and_country_prior():
    assert [m.value for m in find_currencies("TOTAL RM 12.00")] == ["MYR"]
    stray = find_currencies("$8.20")
    assert [(m.value, m.valid) for m in stray] == [("USD", False)]  # a weak sign
    assert country_currency("UNIHAKKA INTERNATIONAL SDN BHD\nJalan Tampoi") == "MYR"


def _field(value):
    return {"value": value, "confidence": 0.9, "candidates": [], "page": None, "box": None}


def test_net_and_tax_swapped_are_flagged_although_they_add_up():
    fields = {name: _field(None) for name in ("vendor_vat", "iban", "payment_reference",
                                               "invoice_date", "due_date", "lines")}  # fmt: skip
    fields.update(untaxed_amount=_field("19.00"), tax_amount=_field("100.00"),
                  total_amount=_field("119.00"))  # fmt: skip
    checks.check_bill(fields)
    assert fields["tax_amount"]["confidence"] <= checks.FAILED_CHECK_CAP
    fields.update(untaxed_amount=_field("100.00"), tax_amount=_field("19.00"))
    checks.check_bill(fields)
    assert fields["tax_amount"]["confidence"] == 0.9
