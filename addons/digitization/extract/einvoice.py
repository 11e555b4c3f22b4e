"""Read bills from structured XML embedded in the PDF: Factur-X/ZUGFeRD (UN/CEFACT CII)
or UBL. Such data is authoritative, so every field found gets confidence 1.0.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from pypdf import PdfReader

from .values import money_str, quantity_str

_RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
_RSM = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"
_UDT = "{urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100}"
_CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
_CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
_UBL_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"

MAX_XML_BYTES = 5_000_000


def embedded_xml(reader: PdfReader) -> list[tuple[str, bytes]]:
    """(name, data) of every embedded ``.xml`` file, Factur-X names first."""
    try:
        attachments = reader.attachments
    except Exception:
        return []
    found = []
    for name, blobs in attachments.items():
        if not name.lower().endswith(".xml"):
            continue
        for blob in blobs:
            found.append((name, blob))
    preferred = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
    return sorted(found, key=lambda item: item[0].lower() not in preferred)


def _safe_parse(data: bytes) -> ET.Element | None:
    # Refuse DTDs outright: no legitimate e-invoice needs one, and it closes the door
    # on entity-expansion attacks without an extra dependency.
    if len(data) > MAX_XML_BYTES or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return None
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        return None


def _text(node: ET.Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _amount(text: str | None) -> str | None:
    try:
        return money_str(Decimal(text)) if text else None
    except InvalidOperation:
        return None


def _quantity(text: str | None) -> str | None:
    try:
        return quantity_str(Decimal(text)) if text else None
    except InvalidOperation:
        return None


def _iso_date(text: str | None) -> str | None:
    if not text:
        return None
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    return None


def _compact(text: str | None) -> str | None:
    return re.sub(r"[\s.\-]", "", text).upper() if text else None


def parse_cii(root: ET.Element) -> dict:
    R = _RAM
    trade = root.find(f"{_RSM}SupplyChainTradeTransaction")
    agreement = trade.find(f"{R}ApplicableHeaderTradeAgreement") if trade is not None else None
    settlement = trade.find(f"{R}ApplicableHeaderTradeSettlement") if trade is not None else None
    seller = agreement.find(f"{R}SellerTradeParty") if agreement is not None else None
    totals = (
        settlement.find(f"{R}SpecifiedTradeSettlementHeaderMonetarySummation")
        if settlement is not None
        else None
    )
    lines = []
    for item in trade.findall(f"{R}IncludedSupplyChainTradeLineItem") if trade is not None else []:
        lines.append(
            {
                "description": _text(item, f"{R}SpecifiedTradeProduct/{R}Name") or "",
                "quantity": _quantity(_text(item, f".//{R}BilledQuantity")),
                "unit_price": _amount(
                    _text(item, f".//{R}NetPriceProductTradePrice/{R}ChargeAmount")
                ),
                "amount": _amount(_text(item, f".//{R}LineTotalAmount")),
            }
        )
    vat = None
    if seller is not None:
        for reg in seller.findall(f"{R}SpecifiedTaxRegistration/{R}ID"):
            if reg.get("schemeID", "VA") == "VA" and reg.text:
                vat = _compact(reg.text)
    return {
        "vendor_name": _text(seller, f"{R}Name"),
        "vendor_vat": vat,
        "invoice_number": _text(root, f"{_RSM}ExchangedDocument/{R}ID"),
        "invoice_date": _iso_date(
            _text(root, f"{_RSM}ExchangedDocument/{R}IssueDateTime/{_UDT}DateTimeString")
        ),
        "due_date": _iso_date(
            _text(
                settlement, f"{R}SpecifiedTradePaymentTerms/{R}DueDateDateTime/{_UDT}DateTimeString"
            )
        ),
        "currency": _text(settlement, f"{R}InvoiceCurrencyCode"),
        "untaxed_amount": _amount(_text(totals, f"{R}TaxBasisTotalAmount")),
        "tax_amount": _amount(_text(totals, f"{R}TaxTotalAmount")),
        "total_amount": _amount(_text(totals, f"{R}GrandTotalAmount")),
        "iban": _compact(_text(settlement, f".//{R}PayeePartyCreditorFinancialAccount/{R}IBANID")),
        "payment_reference": _compact(_text(settlement, f"{R}PaymentReference")),
        "lines": lines,
    }


def parse_ubl(root: ET.Element) -> dict:
    A, B = _CAC, _CBC
    supplier = root.find(f"{A}AccountingSupplierParty/{A}Party")
    totals = root.find(f"{A}LegalMonetaryTotal")
    lines = []
    for item in root.findall(f"{A}InvoiceLine"):
        lines.append(
            {
                "description": _text(item, f"{A}Item/{B}Name") or "",
                "quantity": _quantity(_text(item, f"{B}InvoicedQuantity")),
                "unit_price": _amount(_text(item, f"{A}Price/{B}PriceAmount")),
                "amount": _amount(_text(item, f"{B}LineExtensionAmount")),
            }
        )
    name = _text(supplier, f"{A}PartyLegalEntity/{B}RegistrationName") or _text(
        supplier, f"{A}PartyName/{B}Name"
    )
    return {
        "vendor_name": name,
        "vendor_vat": _compact(_text(supplier, f"{A}PartyTaxScheme/{B}CompanyID")),
        "invoice_number": _text(root, f"{B}ID"),
        "invoice_date": _iso_date(_text(root, f"{B}IssueDate")),
        "due_date": _iso_date(_text(root, f"{B}DueDate") or _text(root, f".//{B}PaymentDueDate")),
        "currency": _text(root, f"{B}DocumentCurrencyCode"),
        "untaxed_amount": _amount(_text(totals, f"{B}TaxExclusiveAmount")),
        "tax_amount": _amount(_text(root, f"{A}TaxTotal/{B}TaxAmount")),
        "total_amount": _amount(
            _text(totals, f"{B}TaxInclusiveAmount") or _text(totals, f"{B}PayableAmount")
        ),
        "iban": _compact(_text(root, f"{A}PaymentMeans/{A}PayeeFinancialAccount/{B}ID")),
        "payment_reference": _compact(_text(root, f"{A}PaymentMeans/{B}PaymentID")),
        "lines": lines,
    }


def read_embedded_invoice(reader: PdfReader) -> tuple[str, dict] | None:
    """('cii' | 'ubl', values) from the first embedded e-invoice, or None."""
    for _name, data in embedded_xml(reader):
        root = _safe_parse(data)
        if root is None:
            continue
        if root.tag == f"{_RSM}CrossIndustryInvoice":
            return "cii", parse_cii(root)
        if root.tag == _UBL_ROOT:
            return "ubl", parse_ubl(root)
    return None
