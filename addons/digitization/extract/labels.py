"""Printed labels that announce a field, in English, French, Dutch and German.

Labels are matched on normalised word tokens (see ``layout.normalize_token``), so
'N° de facture :' and 'n de facture' are the same label. When labels overlap on a
line, the longest one wins: 'Total HT' is the untaxed amount, not the total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import Line, normalize_token

_LABELS = {
    "invoice_number": [
        "invoice no", "invoice number", "invoice #", "invoice nr", "invoice n", "inv no",
        "facture n", "n de facture", "numero de facture", "no de facture", "facture no",
        "factuurnummer", "factuur nr", "factuurnr", "factuur no", "rechnungsnummer",
        "rechnung nr", "rechnungs-nr", "rechnungsnr", "rechnung no",
    ],
    "invoice_date": [
        "invoice date", "date", "date of issue", "issue date", "date de facture",
        "date d'emission", "date de la facture", "factuurdatum", "datum", "rechnungsdatum",
        "datum der rechnung",
    ],
    "due_date": [
        "due date", "payment due", "due", "echeance", "date d'echeance", "a payer avant le",
        "date limite de paiement", "vervaldatum", "te betalen voor", "vervaldag",
        "falligkeitsdatum", "fallig am", "zahlbar bis", "faellig am",
    ],
    "bill_to": [
        "bill to", "billed to", "customer", "invoice to", "sold to", "facture a", "client",
        "destinataire", "klant", "factuur aan", "gefactureerd aan", "rechnungsempfanger",
        "kunde", "rechnung an",
    ],
    "untaxed_amount": [
        "subtotal", "sub total", "total excl vat", "total excl. vat", "net amount", "net total",
        "total ht", "sous-total", "montant ht", "total hors taxes", "subtotaal",
        "totaal excl btw", "maatstaf van heffing", "totaal excl", "nettobetrag",
        "zwischensumme", "summe netto", "netto", "gesamt netto",
    ],
    "tax_amount": [
        "vat", "tax", "tva", "btw", "mwst", "ust", "umsatzsteuer", "montant tva", "btw-bedrag",
        "vat amount", "tax amount", "incl vat", "dont tva", "incl btw", "enth mwst",
        "inkl mwst", "sales tax",
    ],
    "total_amount": [
        "total", "total due", "amount due", "grand total", "total ttc", "net a payer",
        "montant ttc", "totaal", "te betalen", "totaal incl btw", "gesamtbetrag",
        "rechnungsbetrag", "summe brutto", "gesamt", "summe", "zu zahlen", "amount paid",
        "montant paye", "totaal te betalen", "total a payer", "balance due",
    ],
    "iban": ["iban", "iban no"],
    "payment_reference": [
        "payment reference", "reference", "please quote", "communication",
        "reference de paiement", "communication structuree", "mededeling", "betalingskenmerk",
        "gestructureerde mededeling", "verwendungszweck", "zahlungsreferenz", "your reference",
    ],
    # Labels of VAT identifiers: matched only so that 'VAT No.' is not read as a tax line.
    "vat_id": [
        "vat no", "vat number", "vat id", "vat reg no", "n tva", "tva intracom", "no tva",
        "numero de tva", "btw-nummer", "btw-nr", "btw nr", "btw nummer", "ust-idnr", "ust-id",
        "mwst-nr", "ust-id-nr", "ust-idnr", "steuernummer", "ondernemingsnummer",
    ],
    # Table column headers.
    "col_description": ["description", "item", "designation", "omschrijving", "artikel",
                        "beschreibung", "bezeichnung", "libelle"],
    "col_quantity": ["qty", "quantity", "qte", "quantite", "aantal", "aant", "menge", "anzahl"],
    "col_unit_price": ["unit price", "price", "prix unitaire", "p.u. ht", "p.u", "pu ht",
                       "eenheidsprijs", "prijs", "einzelpreis", "preis", "rate"],
    "col_amount": ["amount", "line total", "montant", "prix total", "bedrag", "betrag",
                   "gesamtpreis"],
}  # fmt: skip


def _tokens(label: str) -> tuple[str, ...]:
    tokens = (normalize_token(t) for t in label.replace("#", " # ").split())
    return tuple(t for t in tokens if t)


def _variants(label: str) -> set[tuple[str, ...]]:
    """The label's tokens, plus all of them glued together: OCR often drops the space
    in 'Bill to' or 'Due date'."""
    tokens = _tokens(label)
    glued = ("".join(tokens),) if len(tokens) > 1 and "#" not in tokens else None
    return {tokens, glued} - {None}


LABELS: dict[str, list[tuple[str, ...]]] = {
    name: sorted({v for label in labels for v in _variants(label)}, key=len, reverse=True)
    for name, labels in _LABELS.items()
}


@dataclass
class LabelHit:
    field: str
    line: Line
    start: int  # index of the first label word in line.words
    end: int  # index after the last label word

    @property
    def words(self):
        return self.line.words[self.start : self.end]

    @property
    def x0(self) -> float:
        return self.line.words[self.start].x0

    @property
    def x1(self) -> float:
        return self.line.words[self.end - 1].x1


def _word_tokens(line: Line) -> list[tuple[int, str]]:
    """(word index, token) pairs; a word like 'Invoice#' gives two tokens."""
    out = []
    for i, word in enumerate(line.words):
        # 'MwSt6%' (OCR lost the space): split letters from a following number.
        spaced = re.sub(r"(?<=[a-z])(?=\d)", " ", word.norm.replace("#", " # "))
        for part in spaced.split():
            part = normalize_token(part) if part != "#" else part
            if part:
                out.append((i, part))
    return out


_BY_FIRST_TOKEN: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
for _name, _labels in LABELS.items():
    for _label in _labels:
        _BY_FIRST_TOKEN.setdefault(_label[0], []).append((_name, _label))


def find_labels(line: Line, fields: tuple[str, ...] | None = None) -> list[LabelHit]:
    """Non-overlapping label hits in ``line``, longest label first."""
    tokens = _word_tokens(line)
    texts = [t for _, t in tokens]
    candidates = []
    for i, text in enumerate(texts):
        for name, label in _BY_FIRST_TOKEN.get(text, ()):
            if fields is not None and name not in fields:
                continue
            n = len(label)
            if tuple(texts[i : i + n]) == label:
                candidates.append((n, i, name))
    taken: set[int] = set()
    hits = []
    for n, i, name in sorted(candidates, key=lambda c: (-c[0], c[1])):
        span = set(range(i, i + n))
        if span & taken:
            continue
        taken |= span
        hits.append(LabelHit(name, line, tokens[i][0], tokens[i + n - 1][0] + 1))
    return sorted(hits, key=lambda h: h.start)
