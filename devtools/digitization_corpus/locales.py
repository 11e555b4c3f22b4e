"""Printed labels, month names and number/date formats for the generated documents.

Each label entry is a tuple of variants; the renderer picks one per document so the
extractor meets more than one spelling of the same concept.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

LANGUAGES = ("en", "fr", "nl", "de")

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}

BILL_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "title": ("INVOICE", "Invoice", "TAX INVOICE"),
        "number": ("Invoice No.", "Invoice number", "Invoice #"),
        "date": ("Invoice date", "Date", "Date of issue"),
        "due": ("Due date", "Payment due", "Due"),
        "bill_to": ("Bill to", "Customer", "Invoice to"),
        "vat": ("VAT", "VAT No.", "VAT number"),
        "description": ("Description", "Item"),
        "quantity": ("Qty", "Quantity"),
        "unit_price": ("Unit price", "Price"),
        "amount": ("Amount", "Line total"),
        "untaxed": ("Subtotal", "Total excl. VAT", "Net amount"),
        "tax": ("VAT {rate}%", "Tax {rate}%", "VAT"),
        "total": ("Total", "Total due", "Amount due"),
        "iban": ("IBAN",),
        "reference": ("Payment reference", "Reference", "Please quote"),
    },
    "fr": {
        "title": ("FACTURE", "Facture"),
        "number": ("Facture n°", "N° de facture", "Numéro de facture"),
        "date": ("Date de facture", "Date", "Date d'émission"),
        "due": ("Échéance", "Date d'échéance", "À payer avant le"),
        "bill_to": ("Facturé à", "Client", "Destinataire"),
        "vat": ("N° TVA", "TVA", "TVA intracom."),
        "description": ("Désignation", "Description"),
        "quantity": ("Qté", "Quantité"),
        "unit_price": ("Prix unitaire", "P.U. HT"),
        "amount": ("Montant", "Prix total"),
        "untaxed": ("Total HT", "Sous-total", "Montant HT"),
        "tax": ("TVA {rate}%", "TVA", "Montant TVA"),
        "total": ("Total TTC", "Net à payer", "Montant TTC"),
        "iban": ("IBAN",),
        "reference": ("Communication", "Référence de paiement", "Référence"),
    },
    "nl": {
        "title": ("FACTUUR", "Factuur"),
        "number": ("Factuurnummer", "Factuur nr.", "Factuurnr."),
        "date": ("Factuurdatum", "Datum"),
        "due": ("Vervaldatum", "Te betalen voor", "Vervaldag"),
        "bill_to": ("Klant", "Factuur aan", "Gefactureerd aan"),
        "vat": ("BTW", "BTW-nummer", "Btw-nr."),
        "description": ("Omschrijving", "Artikel"),
        "quantity": ("Aantal", "Aant."),
        "unit_price": ("Eenheidsprijs", "Prijs"),
        "amount": ("Bedrag",),
        "untaxed": ("Subtotaal", "Totaal excl. btw", "Maatstaf van heffing"),
        "tax": ("BTW {rate}%", "Btw {rate}%", "BTW-bedrag"),
        "total": ("Totaal", "Te betalen", "Totaal incl. btw"),
        "iban": ("IBAN",),
        "reference": ("Mededeling", "Betalingskenmerk", "Gestructureerde mededeling"),
    },
    "de": {
        "title": ("RECHNUNG", "Rechnung"),
        "number": ("Rechnungsnummer", "Rechnung Nr.", "Rechnungs-Nr."),
        "date": ("Rechnungsdatum", "Datum"),
        "due": ("Fälligkeitsdatum", "Fällig am", "Zahlbar bis"),
        "bill_to": ("Rechnungsempfänger", "Kunde", "Rechnung an"),
        "vat": ("USt-IdNr.", "MwSt-Nr.", "USt-ID"),
        "description": ("Beschreibung", "Bezeichnung"),
        "quantity": ("Menge", "Anzahl"),
        "unit_price": ("Einzelpreis", "Preis"),
        "amount": ("Betrag", "Gesamtpreis"),
        "untaxed": ("Nettobetrag", "Zwischensumme", "Summe netto"),
        "tax": ("MwSt {rate}%", "USt. {rate}%", "Umsatzsteuer"),
        "total": ("Gesamtbetrag", "Rechnungsbetrag", "Summe brutto"),
        "iban": ("IBAN",),
        "reference": ("Verwendungszweck", "Zahlungsreferenz"),
    },
}

RECEIPT_LABELS = {
    "en": {"total": ("TOTAL", "Total", "Amount paid"), "tax": ("incl. VAT {rate}%", "VAT {rate}%")},
    "fr": {
        "total": ("TOTAL", "Total TTC", "Montant payé"),
        "tax": ("dont TVA {rate}%", "TVA {rate}%"),
    },
    "nl": {
        "total": ("TOTAAL", "Totaal", "Te betalen"),
        "tax": ("incl. BTW {rate}%", "BTW {rate}%"),
    },
    "de": {
        "total": ("SUMME", "Gesamt", "Zu zahlen"),
        "tax": ("enth. MwSt {rate}%", "MwSt {rate}%"),
    },
}

RESUME_LABELS = {
    "en": ("Experience", "Education", "Skills"),
    "fr": ("Expérience", "Formation", "Compétences"),
    "nl": ("Ervaring", "Opleiding", "Vaardigheden"),
    "de": ("Berufserfahrung", "Ausbildung", "Kenntnisse"),
}

# Amount styles: (thousands separator, decimal separator).
AMOUNT_STYLES = {"comma_dot": (",", "."), "dot_comma": (".", ","), "space_comma": (" ", ",")}


def format_amount(value: Decimal, style: str) -> str:
    """Format ``value`` with two decimals in one of AMOUNT_STYLES."""
    thousands, decimal = AMOUNT_STYLES[style]
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{thousands.join(groups)}{decimal}{frac}"


def format_quantity(value: Decimal, style: str) -> str:
    """Quantities print without trailing zeros, with the style's decimal separator."""
    text = format(value.normalize(), "f")
    return text.replace(".", AMOUNT_STYLES[style][1])


def format_date(value: dt.date, lang: str, rng: random.Random) -> str:
    """Day-first numeric or month-name date, as people in ``lang`` print them."""
    style = rng.choice(("slash", "dot", "month", "month"))
    if style == "slash":
        return value.strftime("%d/%m/%Y")
    if style == "dot":
        return value.strftime("%d.%m.%Y")
    month = MONTHS[lang][value.month - 1]
    if lang == "de":
        return f"{value.day}. {month} {value.year}"
    if lang == "en" and rng.random() < 0.3:
        return f"{month} {value.day}, {value.year}"
    return f"{value.day} {month} {value.year}"


MONEY_PLACEMENTS = ("symbol_before", "symbol_after", "code_before", "code_after")


def format_money(value: Decimal, currency: str, style: str, choice: str) -> str:
    """Amount with a currency symbol or ISO code, before or after the number."""
    number = format_amount(value, style)
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}[currency]
    if choice == "symbol_before":
        return f"{symbol}{number}" if currency != "EUR" else f"€ {number}"
    if choice == "symbol_after":
        return f"{number} {symbol}"
    if choice == "code_before":
        return f"{currency} {number}"
    return f"{number} {currency}"
