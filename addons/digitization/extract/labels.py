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
        "rechnung nr", "rechnungs-nr", "rechnungsnr", "rechnung no", "beleg-nr", "belegnummer",
        "beleg nr", "invoice id", "bill no", "bill number", "receipt no", "receipt number",
    ],
    "invoice_date": [
        "invoice date", "date", "date of issue", "issue date", "date de facture",
        "date d'emission", "date de la facture", "factuurdatum", "datum", "rechnungsdatum",
        "datum der rechnung", "invoice issue date", "date facture", "belegdatum",
    ],
    # Other dates a bill prints: matched so that their generic 'date' is not the issue date.
    "other_date": [
        "order date", "delivery date", "ship date", "shipping date", "print date",
        "service date", "period", "bestelldatum", "lieferdatum", "leistungsdatum",
        "liefer- und leistungsdatum", "druckdatum", "date de commande", "date de livraison",
        "besteldatum", "leverdatum", "leveringsdatum", "auftragsdatum", "date of supply",
        "tax point", "zeitraum", "rechnungszeitraum", "leistungszeitraum",
    ],
    "due_date": [
        "due date", "payment due", "due", "echeance", "date d'echeance", "a payer avant le",
        "date limite de paiement", "vervaldatum", "te betalen voor", "vervaldag",
        "falligkeitsdatum", "fallig am", "zahlbar bis", "faellig am", "falligkeit",
        "falligkeitstag", "netto bis", "zahlbar bis zum", "please remit until", "remit until",
        "payable by", "payable until", "due by", "pay by", "zu zahlen bis", "fallig bis",
    ],
    "seller": [
        "seller", "supplier", "vendor", "verkaufer", "lieferant", "rechnungssteller",
        "rechnungsersteller", "leistungserbringer", "fournisseur", "vendeur", "leverancier",
        "verkoper", "auftragnehmer", "issued by", "emetteur",
    ],
    "bill_to": [
        "bill to", "billed to", "customer", "invoice to", "sold to", "facture a", "client",
        "destinataire", "klant", "factuur aan", "gefactureerd aan", "rechnungsempfanger",
        "kunde", "rechnung an", "kaufer", "leistungsempfanger", "buyer", "ship to",
        "deliver to", "lieferanschrift", "lieferadresse", "facturer a", "livrer a", "acheteur",
        "koper", "afnemer", "bill-to", "ship-to",
    ],
    "untaxed_amount": [
        "subtotal", "sub total", "total excl vat", "total excl. vat", "net amount", "net total",
        "total ht", "sous-total", "montant ht", "total hors taxes", "subtotaal",
        "totaal excl btw", "maatstaf van heffing", "totaal excl", "nettobetrag",
        "zwischensumme", "summe netto", "netto", "gesamt netto", "rechnungssumme ohne ust",
        "rechnungssumme netto", "nettosumme", "netto summe", "betrag netto", "total net",
        "total excl tax", "total hors taxes", "total hors tva", "montant hors taxes",
        "totaal exclusief btw", "amount excl vat", "total before tax", "taxable amount",
        "nettowarenwert", "gesamtnettobetrag", "summe ohne ust", "netto gesamt",
    ],
    "tax_amount": [
        "vat", "tax", "tva", "btw", "mwst", "ust", "umsatzsteuer", "montant tva", "btw-bedrag",
        "vat amount", "tax amount", "incl vat", "dont tva", "incl btw", "enth mwst",
        "inkl mwst", "sales tax", "steuerbetrag", "summe umsatzsteuer", "summe mwst",
        "mehrwertsteuer", "umsatzsteuerbetrag", "mwst-betrag", "ust-betrag", "total tax",
        "total vat", "vat total", "versicherungsteuer", "gst", "sst", "service tax",
        "total tva", "gesamt ust", "summe ust", "tax total",
    ],
    "total_amount": [
        "total", "total due", "amount due", "grand total", "total ttc", "net a payer",
        "montant ttc", "totaal", "te betalen", "totaal incl btw", "gesamtbetrag",
        "rechnungsbetrag", "summe brutto", "gesamt", "summe", "zu zahlen", "amount paid",
        "montant paye", "totaal te betalen", "total a payer", "balance due", "bruttosumme",
        "rechnungssumme brutto", "zahlbetrag", "gesamtsumme", "endbetrag", "bruttobetrag",
        "gesamtbetrag brutto", "rechnungsendbetrag", "total amount", "invoice total",
        "total incl vat", "total incl tax", "amount payable", "total payable", "rounded total",
        "nett", "total inclusive", "totaal incl", "montant total", "summe brutto",
        "brutto gesamt", "gesamtbrutto", "total (rm)", "total rm", "net total rm",
    ],
    # Amounts printed near the totals that are none of them.
    "other_amount": [
        "gesamtbetrag der zuschlage", "gesamtbetrag der abschlage", "erhaltene anzahlungen",
        "bereits bezahlt", "already paid", "deposit", "anzahlung", "positionssumme",
        "cash", "change", "rounding", "rounding adj", "bargeld", "gegeben", "ruckgeld",
        "wechselgeld", "tendered", "paid amount", "discount", "rabatt", "skonto",
    ],
    "iban": ["iban", "iban no", "iban-nr", "iban nr", "iban number"],
    "payment_reference": [
        "payment reference", "reference", "please quote", "communication",
        "reference de paiement", "communication structuree", "mededeling", "betalingskenmerk",
        "gestructureerde mededeling", "verwendungszweck", "zahlungsreferenz", "your reference",
        "referenz", "payment ref", "remittance reference",
    ],
    # Labels of VAT identifiers: matched only so that 'VAT No.' is not read as a tax line.
    "vat_id": [
        "vat no", "vat number", "vat id", "vat reg no", "n tva", "tva intracom", "no tva",
        "numero de tva", "btw-nummer", "btw-nr", "btw nr", "btw nummer", "ust-idnr", "ust-id",
        "mwst-nr", "ust-id-nr", "ust-idnr", "steuernummer", "ondernemingsnummer", "ust-id-nr",
        "ust-identnr", "steuernr", "vat reg", "vat registration", "vat registration no",
        "gst reg no", "gst id", "sst reg no", "tax id", "tax number",
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


def _token(text: str) -> str:
    """Label token: 'USt.-Identnr.' and 'Ust-Identnr' are the same, and 'Beleg-Datum'
    and 'Belegdatum'."""
    return normalize_token(text).replace(".", "").replace("-", "") if text != "#" else text


def _tokens(label: str) -> tuple[str, ...]:
    tokens = (_token(t) for t in label.replace("#", " # ").replace("/", " / ").split())
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
        # 'Käufer/Leistungsempfänger': two words.
        spaced = re.sub(r"(?<=[a-z])(?=\d)", " ", word.norm.replace("#", " # ").replace("/", " "))
        for part in spaced.split():
            part = _token(part)
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
    hits.sort(key=lambda h: h.start)
    return [h for k, h in enumerate(hits) if not _qualifies(h, hits[:k], texts, tokens)]


# 'Rechnungssumme Netto (exkl. USt.)', 'Total incl. VAT': the tax word says which total
# the label before it is, it does not announce the tax amount.
_QUALIFIERS = {"ohne", "exkl", "inkl", "excl", "incl", "zzgl", "plus", "hors", "without",
               "with", "including", "excluding", "exclusive", "inclusive", "vor", "nach",
               "before", "after", "avant", "apres", "exclusief", "inclusief", "ex",
               "inc"}  # fmt: skip


def _qualifies(hit: LabelHit, before: list[LabelHit], texts, tokens) -> bool:
    if hit.field != "tax_amount" or not before:
        return False
    if before[-1].field not in ("untaxed_amount", "total_amount"):
        return False
    first = next(k for k, (word_index, _) in enumerate(tokens) if word_index == hit.start)
    if first > 1 and texts[first - 1] in ("of", "de", "van", "von"):
        first -= 1  # 'Total Sales (Inclusive of GST)'
    return first > 0 and texts[first - 1] in _QUALIFIERS
