"""Born-digital (text layer) and embedded-XML extraction against generated ground truth."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from addons.digitization.extract import FIELDS, extract
from addons.digitization.extract.values import find_amounts, find_dates
from devtools.digitization_corpus import documents, iter_corpus, render_pdf

SEED = 3
BILLS = 24


@pytest.fixture(scope="module")
def digital_corpus():
    """Digital and XML variants only: no rasterising, so this stays around a second."""
    return list(
        iter_corpus(BILLS, SEED, expenses=4, resumes=4, variants=("digital", "facturx", "ubl"))
    )


def _mismatches(entry, result):
    fields = result["fields"]
    return {
        name: (entry["truth"][name], fields[name]["value"])
        for name in FIELDS[entry["kind"]]
        if fields[name]["value"] != entry["truth"][name]
    }


def _digital_bills(corpus):
    return [(data, e) for _, data, e in corpus if e["kind"] == "bill" and e["variant"] == "digital"]


def test_corpus_covers_every_language_amount_format_and_template(digital_corpus):
    bills = [e for _, e in _digital_bills(digital_corpus)]
    assert {e["lang"] for e in bills} == {"en", "fr", "nl", "de"}
    assert {e["amount_style"] for e in bills} == {"comma_dot", "dot_comma", "space_comma"}
    assert {e["template"] for e in bills} == set(render_pdf.BILL_TEMPLATES)


@pytest.mark.parametrize("lang", ["en", "fr", "nl", "de"])
def test_born_digital_bill_fields_match_truth_per_language(digital_corpus, lang):
    bills = [(d, e) for d, e in _digital_bills(digital_corpus) if e["lang"] == lang]
    assert bills
    for data, entry in bills:
        result = extract(data, "bill")
        assert result["origin"] == "text"
        assert _mismatches(entry, result) == {}, entry["file"]


@pytest.mark.parametrize("style", ["comma_dot", "dot_comma", "space_comma"])
def test_born_digital_bill_amounts_per_amount_format(digital_corpus, style):
    bills = [(d, e) for d, e in _digital_bills(digital_corpus) if e["amount_style"] == style]
    assert bills
    for data, entry in bills:
        fields = extract(data, "bill")["fields"]
        for name in ("untaxed_amount", "tax_amount", "total_amount", "lines"):
            assert fields[name]["value"] == entry["truth"][name], (entry["file"], name)
        assert fields["total_amount"]["confidence"] >= 0.9


def test_field_shape_and_box_are_page_relative(digital_corpus):
    data, _ = _digital_bills(digital_corpus)[0]
    result = extract(data, "bill")
    assert result["pages"] == 1 and result["text"]
    for name in FIELDS["bill"]:
        field = result["fields"][name]
        assert set(field) == {"value", "confidence", "candidates", "page", "box"}
        assert 0.0 <= field["confidence"] <= 1.0
        x, y, w, h = field["box"]
        assert 0 <= x <= 1 and 0 <= y <= 1 and 0 < w <= 1 and 0 < h <= 1
        assert field["page"] == 1


def test_vendor_vat_is_never_the_customer_vat(digital_corpus):
    for data, entry in _digital_bills(digital_corpus):
        fields = extract(data, "bill")["fields"]
        assert fields["vendor_vat"]["value"] == entry["truth"]["vendor_vat"], entry["file"]
        assert fields["vendor_vat"]["value"] != entry["customer_vat"]


@pytest.mark.parametrize("variant", ["facturx", "ubl"])
def test_embedded_xml_is_read_with_full_confidence(digital_corpus, variant):
    found = [(d, e) for _, d, e in digital_corpus if e["variant"] == variant]
    assert found
    for data, entry in found:
        result = extract(data, "bill")
        assert result["origin"] == "xml"
        assert _mismatches(entry, result) == {}
        assert all(f["confidence"] == 1.0 for f in result["fields"].values())


def test_xml_wins_over_a_contradicting_text_layer(digital_corpus):
    """Proof the XML is read: change the XML only and the result follows it."""
    from devtools.digitization_corpus import einvoice_xml

    rng = random.Random("xml-wins")
    doc = documents.make_bill(rng, 0)
    pdf = render_pdf.render_bill(doc, rng)
    doc["truth"] = {**doc["truth"], "invoice_number": "XML-ONLY-42"}
    data = einvoice_xml.embed_xml(pdf, "factur-x.xml", einvoice_xml.build_cii(doc))
    assert extract(data, "bill")["fields"]["invoice_number"]["value"] == "XML-ONLY-42"


@pytest.mark.parametrize("kind", ["expense", "resume"])
def test_born_digital_expenses_and_resumes(digital_corpus, kind):
    found = [(d, e) for _, d, e in digital_corpus if e["kind"] == kind]
    assert found
    for data, entry in found:
        assert _mismatches(entry, extract(data, kind)) == {}, entry["file"]


def _tampered_bill(**changes):
    rng = random.Random("tamper")
    doc = documents.make_bill(rng, 1)
    for key, value in changes.items():
        if key == "vendor_vat":
            doc["vendor"]["vat"] = value(doc["vendor"]["vat"])
        else:
            doc[key] = value(doc[key])
    return extract(render_pdf.render_bill(doc, rng), "bill")["fields"], doc


def _bad_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


def test_bad_vat_checksum_lowers_confidence_instead_of_guessing():
    fields, doc = _tampered_bill(vendor_vat=_bad_check_digit)
    assert fields["vendor_vat"]["value"] == doc["vendor"]["vat"]
    assert fields["vendor_vat"]["confidence"] <= 0.3


def test_bad_iban_checksum_lowers_confidence():
    fields, doc = _tampered_bill(iban=_bad_check_digit)
    assert fields["iban"]["value"] == doc["iban"]
    assert fields["iban"]["confidence"] <= 0.3


def test_totals_that_do_not_add_up_lower_confidence():
    fields, _ = _tampered_bill(total=lambda t: t + Decimal("10.00"))
    assert fields["total_amount"]["confidence"] <= 0.3
    assert fields["untaxed_amount"]["confidence"] <= 0.3


def test_lines_not_summing_to_untaxed_lower_line_confidence():
    fields, _ = _tampered_bill(untaxed=lambda u: u + Decimal("1.00"))
    assert fields["lines"]["confidence"] <= 0.3


def test_due_date_before_invoice_date_lowers_confidence():
    import datetime as dt

    fields, _ = _tampered_bill(due_date=lambda d: d - dt.timedelta(days=90))
    assert fields["due_date"]["confidence"] <= 0.3


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("€ 12.345.678,90", "12345678.90"),
        ("USD 0.99", "0.99"),
    ],
)
def test_amount_formats(text, expected):
    assert [str(m.value) for m in find_amounts(text)] == [expected]


def test_percentages_and_identifiers_are_not_amounts():
    assert find_amounts("VAT 21,00 %") == []
    assert find_amounts("BE 0493.455.925") == []


@pytest.mark.parametrize(
    "text",
    [
        "31/01/2026",
        "31.01.2026",
        "31 January 2026",
        "January 31, 2026",
        "31 janvier 2026",
        "31 januari 2026",
        "31. Januar 2026",
        "2026-01-31",
    ],
)
def test_date_formats(text):
    assert [m.value.isoformat() for m in find_dates(text)] == ["2026-01-31"]
