"""Where the customer's block is: the words under 'Bill to', 'Rechnungsempfänger',
'Client'... belong to the buyer, never to the vendor."""

from __future__ import annotations

from dataclasses import dataclass

from .context import Doc
from .layout import Word
from .values import find_amounts


@dataclass
class Region:
    page: int
    left: float
    right: float
    top: float
    bottom: float

    def contains(self, word: Word) -> bool:
        return (
            word.page == self.page
            and self.left <= word.x0 <= self.right
            and self.top <= word.top <= self.bottom
        )


def customer_regions(doc: Doc) -> list[Region]:
    """Blocks introduced by 'Bill to' / 'Client' / 'Kunde'...: the customer, not the vendor."""
    regions = []
    for hit in doc.hits_for("bill_to"):
        page = doc.page_of(hit.line)
        left, right = hit.x0 - 15, hit.x0 + 0.42 * page.width
        bottom = hit.line.bottom
        gap_limit = 2.4 * max(hit.line.height, 6)
        for line in page.lines:
            if line.top <= hit.line.top + 1:
                continue
            if not any(left <= w.x0 <= right for w in line.words):
                continue
            if line.top - bottom > gap_limit or _ends_block(doc, line, left, right):
                break
            bottom = line.bottom
        regions.append(Region(page.number, left, right, hit.line.top - 2, bottom + 1))
    return regions


# Labels that start something else: the block must not swallow the table or the totals.
_STOP = ("seller", "untaxed_amount", "tax_amount", "total_amount", "iban",
         "payment_reference", "col_description", "col_quantity", "col_unit_price",
         "col_amount")  # fmt: skip


def _ends_block(doc: Doc, line, left: float, right: float) -> bool:
    for hit in doc.hits[id(line)]:
        if hit.field not in _STOP or not left <= hit.x0 <= right:
            continue
        # 'TVA: DE 228662291' in the block is the customer's VAT number, not a tax line.
        if hit.field.endswith("_amount") and not find_amounts(line.text):
            continue
        return True
    return False


def in_regions(words: list[Word], regions: list[Region]) -> bool:
    return any(r.contains(w) for r in regions for w in words)
