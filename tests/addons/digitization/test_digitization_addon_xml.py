"""Bare e-invoice XML uploads (issue 13 #8): accepted among bills when their structure
is a CII or UBL invoice or credit note, whatever their name; the viewer shows what
the XML says and the XML itself, escaped."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from addons.digitization.models import Document
from tests.addons.digitization.conftest import upload

REAL = Path(__file__).parent / "fixtures" / "real"

UBL_CREDIT_NOTE = b"""<?xml version="1.0" encoding="UTF-8"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>CN-2024-17</cbc:ID>
  <cbc:IssueDate>2024-03-05</cbc:IssueDate>
  <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>
  <cbc:Note>Returned goods &lt;3 boxes&gt; &amp; a <![CDATA[<script>alert(1)</script>]]></cbc:Note>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyTaxScheme><cbc:CompanyID>BE0123456749</cbc:CompanyID>
      <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Brasserie Lumen SA</cbc:RegistrationName>
    </cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">21.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">121.00</cbc:TaxInclusiveAmount>
  </cac:LegalMonetaryTotal>
  <cac:CreditNoteLine><cbc:ID>1</cbc:ID>
    <cbc:CreditedQuantity unitCode="C62">4</cbc:CreditedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Crate</cbc:Name></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">25.00</cbc:PriceAmount></cac:Price>
  </cac:CreditNoteLine>
</CreditNote>
"""


def _real_cii() -> bytes:
    reader = PdfReader(REAL / "ZUGFeRDv1_Intarsys_ZUGFeRD_1p0_COMFORT_Rabatte.pdf")
    (xml,) = [blob for blobs in reader.attachments.values() for blob in blobs]
    return xml


def test_bare_ubl_and_cii_xml_are_uploaded_and_read_as_bills(user_client, give_credits):
    give_credits(2)
    # The structure decides, not the name: the CII file is named like a PDF.
    response = upload(
        user_client, "bills", ("credit.xml", UBL_CREDIT_NOTE), ("invoice.pdf", _real_cii())
    )
    page = user_client.get(response.location).get_data(as_text=True)
    assert "was not uploaded" not in page
    ubl = Document.get(Document.filename == "credit.xml")
    cii = Document.get(Document.filename == "invoice.pdf")
    assert ubl.mimetype == cii.mimetype == "application/xml"
    assert ubl.state == cii.state == "to_validate"
    assert ubl.values()["invoice_number"] == "CN-2024-17"
    assert ubl.values()["total_amount"] == "121.00"
    assert cii.values()["payment_reference"] == "GE2020211-471102"


def test_xml_preview_shows_the_summary_and_the_escaped_xml(user_client, give_credits):
    give_credits(1)
    upload(user_client, "bills", ("credit.xml", UBL_CREDIT_NOTE))
    document = Document.get()
    form = user_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    assert "data-xml-preview" in form
    assert "E-invoice (credit note, UBL XML)" in form
    assert "<dd>Brasserie Lumen SA</dd>" in form and "<dd>121.00</dd>" in form
    assert "<dt>Lines</dt><dd>1</dd>" in form
    # The XML is shown indented and escaped: no markup of the file reaches the page.
    assert "&lt;cbc:ID&gt;CN-2024-17&lt;/cbc:ID&gt;" in form
    assert "<script>alert(1)</script>" not in form
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in form
    assert "data-preview-problem" not in form
    assert "/pages/1" not in form
    image = user_client.get(f"/digitization/bills/{document.id}/pages/1")
    assert image.status_code == 404


# name -> (bytes, words of the reason)
REFUSED_XML = {
    "note.xml": (
        b'<?xml version="1.0"?><note><to>Tove</to><body>Invoice total 12.00</body></note>',
        "this XML file is not an e-invoice",
    ),
    "broken.xml": (UBL_CREDIT_NOTE[:400], "this XML file is not an e-invoice"),
    "entities.xml": (
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY a "aaaa">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&a;</Invoice>',
        "this XML file is not an e-invoice",
    ),
    "invoice.xml": (
        b"\x00\x01 not xml at all",
        "its type cannot be read. Upload PDF, PNG, JPEG, TIFF or e-invoice XML (CII or UBL) files.",
    ),  # fmt: skip
}


def test_xml_that_is_not_an_e_invoice_is_refused_at_upload(user_client, give_credits, credits_left):
    give_credits(1)
    files = [(name, data) for name, (data, _) in REFUSED_XML.items()]
    response = upload(user_client, "bills", *files)
    page = user_client.get(response.location).get_data(as_text=True).replace("&#39;", "'")
    for name, (_, why) in REFUSED_XML.items():
        assert f"{name} was not uploaded: {why}" in page
    assert Document.select().count() == 0
    assert credits_left() == Decimal(1)


def test_xml_e_invoice_is_refused_among_expenses(user_client, give_credits):
    give_credits(1)
    response = upload(user_client, "expenses", ("credit.xml", UBL_CREDIT_NOTE))
    page = user_client.get(response.location).get_data(as_text=True)
    assert "credit.xml was not uploaded: an XML file is read only as an e-invoice" in page
    assert Document.select().count() == 0


def test_upload_input_accepts_xml_only_for_bills(user_client, digitization):
    bills = user_client.get("/digitization/bills").get_data(as_text=True)
    expenses = user_client.get("/digitization/expenses").get_data(as_text=True)
    assert ",.xml" in bills and ",.xml" not in expenses
