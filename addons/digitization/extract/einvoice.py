"""Read bills from structured XML embedded in the PDF: Factur-X/ZUGFeRD (UN/CEFACT CII)
or UBL. Such data is authoritative, so every field found gets confidence 1.0.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from pypdf import PdfReader

from .checks import valid_reference
from .values import money_str, quantity_str

_RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
_RSM = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"
_UDT = "{urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100}"
_CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
_CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
_UBL_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
}

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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: ET.Element | None, *names: str) -> ET.Element | None:
    """First direct child whose local name is one of ``names`` (any CII version)."""
    if node is None:
        return None
    return next((e for e in node if _local(e.tag) in names), None)


def _deep(node: ET.Element | None, *path: str) -> ET.Element | None:
    """First descendant reached through the local names of ``path``, any depth per step."""
    for name in path:
        if node is None:
            return None
        node = next((e for e in node.iter() if e is not node and _local(e.tag) == name), None)
    return node


def _deep_text(node: ET.Element | None, *path: str) -> str | None:
    found = _deep(node, *path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _reference(text: str | None) -> str | None:
    """Structured references compact ('+++123/4567/89002+++' -> digits, 'RF18 5390…'),
    any other reference as written: 'GE2020211-471102' keeps its dash."""
    if not text:
        return None
    compact = re.sub(r"[\s+*/.\-]", "", text).upper()
    if valid_reference(compact):
        return compact
    return " ".join(text.split())


def parse_cii(root: ET.Element) -> dict:
    """UN/CEFACT CII: Factur-X and ZUGFeRD 2.x (CrossIndustryInvoice), XRechnung CII and
    ZUGFeRD 1.0 (CrossIndustryDocument), matched by local names."""
    header = _child(root, "ExchangedDocument", "HeaderExchangedDocument")
    trade = _child(root, "SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction")
    agreement = _child(trade, "ApplicableHeaderTradeAgreement",
                       "ApplicableSupplyChainTradeAgreement")  # fmt: skip
    settlement = _child(trade, "ApplicableHeaderTradeSettlement",
                        "ApplicableSupplyChainTradeSettlement")  # fmt: skip
    seller = _child(agreement, "SellerTradeParty")
    totals = next(
        (e for e in settlement if "MonetarySummation" in _local(e.tag)), None
    ) if settlement is not None else None  # fmt: skip
    currency = _deep_text(settlement, "InvoiceCurrencyCode")
    tax = None
    if totals is not None:
        taxes = [e for e in totals if _local(e.tag) == "TaxTotalAmount" and e.text]
        chosen = next((e for e in taxes if e.get("currencyID") in (None, currency)), None)
        tax = _amount(chosen.text.strip()) if chosen is not None else None
    lines = []
    items = [e for e in trade if _local(e.tag) == "IncludedSupplyChainTradeLineItem"] if (
        trade is not None) else []  # fmt: skip
    for item in items:
        lines.append(
            {
                "description": _deep_text(item, "SpecifiedTradeProduct", "Name") or "",
                "quantity": _quantity(_deep_text(item, "BilledQuantity")),
                "unit_price": _amount(
                    _deep_text(item, "NetPriceProductTradePrice", "ChargeAmount")
                ),  # fmt: skip
                "amount": _amount(_deep_text(item, "LineTotalAmount")),
            }
        )
    vat = None
    for registration in seller if seller is not None else []:
        reg = _child(registration, "ID")
        tax_registration = _local(registration.tag) == "SpecifiedTaxRegistration"
        if tax_registration and reg is not None and reg.get("schemeID", "VA") == "VA" and reg.text:
            vat = _compact(reg.text)
    reference = next(
        (e.text for e in settlement if _local(e.tag) == "PaymentReference" and e.text), None
    ) if settlement is not None else None  # fmt: skip
    due = _deep(settlement, "SpecifiedTradePaymentTerms", "DueDateDateTime")
    return {
        "vendor_name": _child_text(seller, "Name"),
        "vendor_vat": vat,
        "invoice_number": _child_text(header, "ID"),
        "invoice_date": _iso_date(_deep_text(header, "IssueDateTime", "DateTimeString")),
        "due_date": _iso_date(_deep_text(due, "DateTimeString")),
        "currency": currency,
        "untaxed_amount": _amount(_deep_text(totals, "TaxBasisTotalAmount")),
        "tax_amount": tax,
        "total_amount": _amount(_deep_text(totals, "GrandTotalAmount")),
        "iban": _compact(_deep_text(settlement, "PayeePartyCreditorFinancialAccount", "IBANID")),
        "payment_reference": _reference(reference),
        "lines": lines,
    }


def _child_text(node: ET.Element | None, name: str) -> str | None:
    found = _child(node, name)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def parse_ubl(root: ET.Element) -> dict:
    A, B = _CAC, _CBC
    supplier = root.find(f"{A}AccountingSupplierParty/{A}Party")
    totals = root.find(f"{A}LegalMonetaryTotal")
    lines = []
    for item in root.findall(f"{A}InvoiceLine") + root.findall(f"{A}CreditNoteLine"):
        lines.append(
            {
                "description": _text(item, f"{A}Item/{B}Name") or "",
                "quantity": _quantity(
                    _text(item, f"{B}InvoicedQuantity") or _text(item, f"{B}CreditedQuantity")
                ),
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
        "payment_reference": _reference(_text(root, f"{A}PaymentMeans/{B}PaymentID")),
        "lines": lines,
    }


def parse_invoice_xml(data: bytes) -> tuple[str, dict] | None:
    """('cii' | 'ubl', values) for a CII or UBL invoice or credit note, else None."""
    root = _safe_parse(data)
    if root is None:
        return None
    if _local(root.tag) in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        return "cii", parse_cii(root)
    if root.tag in _UBL_ROOTS:
        return "ubl", parse_ubl(root)
    return None


def invoice_kind(data: bytes) -> str | None:
    """ "invoice" or "credit note" for a CII or UBL e-invoice, told by its structure (the
    root element and its namespace, and that it parses), else None."""
    root = _safe_parse(data)
    if root is None:
        return None
    local = _local(root.tag)
    if local in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        type_code = _deep_text(_child(root, "ExchangedDocument", "HeaderExchangedDocument"),
                               "TypeCode")  # fmt: skip
        return "credit note" if type_code in ("381", "261", "396", "532") else "invoice"
    if root.tag in _UBL_ROOTS:
        return "credit note" if local == "CreditNote" else "invoice"
    return None


def pretty_xml(data: bytes, limit: int = 200_000) -> str | None:
    """The XML indented for reading, prefixes as written, cut after ``limit`` characters;
    None when it does not parse (DTDs refused as in :func:`parse_invoice_xml`)."""
    if _safe_parse(data) is None:
        return None
    from xml.dom import minidom

    document = minidom.parseString(data)  # safe: no DTD, size checked above
    _drop_blank_text(document.documentElement)
    text = document.documentElement.toprettyxml(indent="  ")
    return text if len(text) <= limit else text[:limit] + "\n…"


def _drop_blank_text(node) -> None:
    for child in list(node.childNodes):
        if child.nodeType == child.TEXT_NODE and not child.data.strip():
            node.removeChild(child)
        elif child.hasChildNodes():
            _drop_blank_text(child)


def looks_like_xml(data: bytes) -> bool:
    """A bare XML upload (an e-invoice sent without its PDF)."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml") or (
        head.startswith(b"<")
        and any(root in data[:4096] for root in (b"Invoice", b"CreditNote", b"CrossIndustry"))
    )


def read_embedded_invoice(reader: PdfReader) -> tuple[str, dict] | None:
    """('cii' | 'ubl', values) from the first embedded e-invoice, or None."""
    for _name, data in embedded_xml(reader):
        parsed = parse_invoice_xml(data)
        if parsed is not None:
            return parsed
    return None
