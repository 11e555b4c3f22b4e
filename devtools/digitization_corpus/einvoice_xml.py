"""Minimal Factur-X/ZUGFeRD (UN/CEFACT CII) and UBL invoices embedded in a bill PDF.

Only the fields the extractor reads are written; the XML is well-formed EN 16931-shaped
data, not a schema-complete e-invoice.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter

CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
UBL_NS = {
    "": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _e(value) -> str:
    return escape(str(value))


def _cii_party(tag: str, name: str, vat: str) -> str:
    return (
        f"<ram:{tag}><ram:Name>{_e(name)}</ram:Name>"
        f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{_e(vat)}</ram:ID>'
        f"</ram:SpecifiedTaxRegistration></ram:{tag}>"
    )


def build_cii(doc: dict) -> bytes:
    """Factur-X / ZUGFeRD CrossIndustryInvoice for a bill from documents.make_bill."""
    t = doc["truth"]
    cur = t["currency"]

    def date102(iso: str) -> str:
        return f'<udt:DateTimeString format="102">{iso.replace("-", "")}</udt:DateTimeString>'

    lines = "".join(
        "<ram:IncludedSupplyChainTradeLineItem>"
        f"<ram:AssociatedDocumentLineDocument><ram:LineID>{i}</ram:LineID>"
        "</ram:AssociatedDocumentLineDocument>"
        f"<ram:SpecifiedTradeProduct><ram:Name>{_e(line['description'])}</ram:Name>"
        "</ram:SpecifiedTradeProduct>"
        "<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>"
        f"<ram:ChargeAmount>{line['unit_price']}</ram:ChargeAmount>"
        "</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
        "<ram:SpecifiedLineTradeDelivery>"
        f'<ram:BilledQuantity unitCode="C62">{line["quantity"]}</ram:BilledQuantity>'
        "</ram:SpecifiedLineTradeDelivery>"
        "<ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation>"
        f"<ram:LineTotalAmount>{line['amount']}</ram:LineTotalAmount>"
        "</ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>"
        "</ram:IncludedSupplyChainTradeLineItem>"
        for i, line in enumerate(t["lines"], 1)
    )
    ns = " ".join(f'xmlns:{k}="{v}"' for k, v in CII_NS.items())
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rsm:CrossIndustryInvoice {ns}>'
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        "<ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
        "</rsm:ExchangedDocumentContext>"
        f"<rsm:ExchangedDocument><ram:ID>{_e(t['invoice_number'])}</ram:ID>"
        "<ram:TypeCode>380</ram:TypeCode>"
        f"<ram:IssueDateTime>{date102(t['invoice_date'])}</ram:IssueDateTime>"
        "</rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>"
        f"{lines}<ram:ApplicableHeaderTradeAgreement>"
        f"{_cii_party('SellerTradeParty', t['vendor_name'], t['vendor_vat'])}"
        f"{_cii_party('BuyerTradeParty', doc['customer']['name'], doc['customer']['vat'])}"
        "</ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeDelivery/>"
        "<ram:ApplicableHeaderTradeSettlement>"
        f"<ram:PaymentReference>{_e(t['payment_reference'])}</ram:PaymentReference>"
        f"<ram:InvoiceCurrencyCode>{cur}</ram:InvoiceCurrencyCode>"
        "<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode>"
        f"<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{t['iban']}</ram:IBANID>"
        "</ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>"
        f"<ram:ApplicableTradeTax><ram:CalculatedAmount>{t['tax_amount']}</ram:CalculatedAmount>"
        "<ram:TypeCode>VAT</ram:TypeCode>"
        f"<ram:BasisAmount>{t['untaxed_amount']}</ram:BasisAmount><ram:CategoryCode>S"
        f"</ram:CategoryCode><ram:RateApplicablePercent>{doc['rate']}</ram:RateApplicablePercent>"
        "</ram:ApplicableTradeTax><ram:SpecifiedTradePaymentTerms>"
        f"<ram:DueDateDateTime>{date102(t['due_date'])}</ram:DueDateDateTime>"
        "</ram:SpecifiedTradePaymentTerms>"
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        f"<ram:LineTotalAmount>{t['untaxed_amount']}</ram:LineTotalAmount>"
        f"<ram:TaxBasisTotalAmount>{t['untaxed_amount']}</ram:TaxBasisTotalAmount>"
        f'<ram:TaxTotalAmount currencyID="{cur}">{t["tax_amount"]}</ram:TaxTotalAmount>'
        f"<ram:GrandTotalAmount>{t['total_amount']}</ram:GrandTotalAmount>"
        f"<ram:DuePayableAmount>{t['total_amount']}</ram:DuePayableAmount>"
        "</ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        "</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction>"
        "</rsm:CrossIndustryInvoice>"
    )
    return xml.encode()


def _ubl_party(tag: str, name: str, vat: str) -> str:
    return (
        f"<cac:{tag}><cac:Party><cac:PartyTaxScheme><cbc:CompanyID>{_e(vat)}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        f"<cac:PartyLegalEntity><cbc:RegistrationName>{_e(name)}</cbc:RegistrationName>"
        f"</cac:PartyLegalEntity></cac:Party></cac:{tag}>"
    )


def build_ubl(doc: dict) -> bytes:
    """UBL 2.1 Invoice (Peppol BIS-shaped) for a bill from documents.make_bill."""
    t = doc["truth"]
    cur = t["currency"]
    lines = "".join(
        f"<cac:InvoiceLine><cbc:ID>{i}</cbc:ID>"
        f'<cbc:InvoicedQuantity unitCode="C62">{line["quantity"]}</cbc:InvoicedQuantity>'
        f'<cbc:LineExtensionAmount currencyID="{cur}">{line["amount"]}</cbc:LineExtensionAmount>'
        f"<cac:Item><cbc:Name>{_e(line['description'])}</cbc:Name></cac:Item>"
        f'<cac:Price><cbc:PriceAmount currencyID="{cur}">{line["unit_price"]}</cbc:PriceAmount>'
        "</cac:Price></cac:InvoiceLine>"
        for i, line in enumerate(t["lines"], 1)
    )
    ns = " ".join(f'xmlns{":" + k if k else ""}="{v}"' for k, v in UBL_NS.items())
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice {ns}>'
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>"
        f"<cbc:ID>{_e(t['invoice_number'])}</cbc:ID>"
        f"<cbc:IssueDate>{t['invoice_date']}</cbc:IssueDate>"
        f"<cbc:DueDate>{t['due_date']}</cbc:DueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
        f"<cbc:DocumentCurrencyCode>{cur}</cbc:DocumentCurrencyCode>"
        f"{_ubl_party('AccountingSupplierParty', t['vendor_name'], t['vendor_vat'])}"
        f"{_ubl_party('AccountingCustomerParty', doc['customer']['name'], doc['customer']['vat'])}"
        "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        f"<cbc:PaymentID>{_e(t['payment_reference'])}</cbc:PaymentID>"
        f"<cac:PayeeFinancialAccount><cbc:ID>{t['iban']}</cbc:ID></cac:PayeeFinancialAccount>"
        "</cac:PaymentMeans>"
        f'<cac:TaxTotal><cbc:TaxAmount currencyID="{cur}">{t["tax_amount"]}</cbc:TaxAmount>'
        "</cac:TaxTotal><cac:LegalMonetaryTotal>"
        f'<cbc:LineExtensionAmount currencyID="{cur}">{t["untaxed_amount"]}'
        "</cbc:LineExtensionAmount>"
        f'<cbc:TaxExclusiveAmount currencyID="{cur}">{t["untaxed_amount"]}'
        "</cbc:TaxExclusiveAmount>"
        f'<cbc:TaxInclusiveAmount currencyID="{cur}">{t["total_amount"]}'
        "</cbc:TaxInclusiveAmount>"
        f'<cbc:PayableAmount currencyID="{cur}">{t["total_amount"]}</cbc:PayableAmount>'
        f"</cac:LegalMonetaryTotal>{lines}</Invoice>"
    )
    return xml.encode()


def embed_xml(pdf: bytes, filename: str, xml: bytes) -> bytes:
    """Return ``pdf`` with ``xml`` attached as an embedded file named ``filename``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(filename, xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
