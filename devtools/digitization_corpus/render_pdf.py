"""Born-digital PDF rendering (reportlab) of generated bills, receipts and resumes.

Bills use one of several templates that move the vendor and customer blocks, the
invoice metadata and the table style around, so that the extractor cannot rely on
fixed coordinates.
"""

from __future__ import annotations

import io
import os
import random
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from . import identifiers
from .locales import (
    BILL_LABELS,
    RECEIPT_LABELS,
    RESUME_LABELS,
    format_amount,
    format_date,
    format_money,
    format_quantity,
)

BILL_TEMPLATES = ("classic_left", "window_right", "footer_vendor", "compact_inline")

_BASE14_FAMILIES = [
    ("Helvetica", "Helvetica-Bold"),
    ("Times-Roman", "Times-Bold"),
    ("Courier", "Courier-Bold"),
]
_TTF_CANDIDATES = [
    ("DejaVuSans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("DejaVuSerif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    (
        "LiberationSans",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "LiberationSans-Bold.ttf",
    ),
    (
        "LiberationSerif",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "LiberationSerif-Bold.ttf",
    ),
]
_families: list[tuple[str, str]] | None = None


def font_families() -> list[tuple[str, str]]:
    """(regular, bold) font names: base-14 plus whichever TTF fonts this machine has."""
    global _families
    if _families is None:
        families = list(_BASE14_FAMILIES)
        for name, regular, bold_file in _TTF_CANDIDATES:
            bold = os.path.join(os.path.dirname(regular), bold_file)
            if os.path.exists(regular) and os.path.exists(bold):
                pdfmetrics.registerFont(TTFont(name, regular))
                pdfmetrics.registerFont(TTFont(name + "-Bold", bold))
                families.append((name, name + "-Bold"))
        _families = families
    return _families


class _Page:
    """Small drawing helper around a reportlab canvas with one font family."""

    def __init__(self, size, family: tuple[str, str]):
        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=size, invariant=1)
        self.width, self.height = size
        self.regular, self.bold = family

    def text(self, x, y, value, size=9, bold=False, align="left"):
        self.canvas.setFont(self.bold if bold else self.regular, size)
        if align == "right":
            self.canvas.drawRightString(x, y, value)
        elif align == "center":
            self.canvas.drawCentredString(x, y, value)
        else:
            self.canvas.drawString(x, y, value)

    def lines(self, x, y, values, size=9, leading=12, bold_first=False, align="left"):
        for i, value in enumerate(values):
            self.text(x, y - i * leading, value, size, bold_first and i == 0, align)
        return y - len(values) * leading

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def _label(doc, rng, key, **fmt) -> str:
    return rng.choice(BILL_LABELS[doc["lang"]][key]).format(**fmt)


def _party_lines(doc, rng, party, vat_label) -> list[str]:
    return [
        party["name"],
        *party["address"],
        f"{vat_label}: {identifiers.format_vat(party['vat'], rng)}",
    ]


def render_bill(doc: dict, rng: random.Random) -> bytes:
    """Render ``doc`` (from documents.make_bill) as a one-page born-digital PDF."""
    template = doc.setdefault("template", rng.choice(BILL_TEMPLATES))
    family = doc.setdefault("font", rng.choice(font_families()))
    page = _Page(A4, tuple(family))
    style, cur, place = doc["amount_style"], doc["currency"], doc["money_placement"]
    money = lambda value: format_money(value, cur, style, place)  # noqa: E731
    vat_label = _label(doc, rng, "vat")
    meta = [
        (_label(doc, rng, "number"), doc["number"]),
        (_label(doc, rng, "date"), format_date(doc["invoice_date"], doc["lang"], rng)),
        (_label(doc, rng, "due"), format_date(doc["due_date"], doc["lang"], rng)),
    ]
    vendor = _party_lines(doc, rng, doc["vendor"], vat_label)
    customer = _party_lines(doc, rng, doc["customer"], vat_label)
    bill_to = _label(doc, rng, "bill_to")
    title = _label(doc, rng, "title")
    W, H = page.width, page.height

    if template == "classic_left":
        page.text(40, H - 50, vendor[0], 15, bold=True)
        page.lines(40, H - 66, vendor[1:], 9)
        page.text(W - 40, H - 52, title, 20, bold=True, align="right")
        for i, (label, value) in enumerate(meta):
            page.text(350, H - 90 - i * 13, f"{label}:", 9, bold=True)
            page.text(W - 40, H - 90 - i * 13, value, 9, align="right")
        page.text(40, H - 150, bill_to, 9, bold=True)
        page.lines(40, H - 164, customer, 9)
        table_top = H - 250
    elif template == "window_right":
        page.text(W - 40, H - 50, vendor[0], 14, bold=True, align="right")
        page.lines(W - 40, H - 65, vendor[1:], 9, align="right")
        page.text(40, H - 60, title, 22, bold=True)
        page.text(60, H - 150, bill_to, 8, bold=True)
        page.lines(60, H - 163, customer, 10, leading=13)
        # Metadata as a row of boxes: label on top, value below it.
        for i, (label, value) in enumerate(meta):
            x = 40 + i * 172
            page.canvas.rect(x, H - 262, 165, 34)
            page.text(x + 5, H - 240, label, 8, bold=True)
            page.text(x + 5, H - 255, value, 10)
        table_top = H - 300
    elif template == "footer_vendor":
        page.text(W / 2, H - 45, vendor[0], 16, bold=True, align="center")
        page.text(W / 2, H - 75, title, 13, bold=True, align="center")
        page.text(40, H - 110, bill_to, 9, bold=True)
        page.lines(40, H - 124, customer, 9)
        for i, (label, value) in enumerate(meta):
            page.text(340, H - 110 - i * 14, label, 9, bold=True)
            page.text(W - 40, H - 110 - i * 14, value, 9, align="right")
        table_top = H - 220
    else:  # compact_inline
        page.lines(40, H - 45, vendor, 9, bold_first=True)
        page.text(330, H - 45, bill_to, 9, bold=True)
        page.lines(330, H - 58, customer, 9)
        page.text(40, H - 140, title, 16, bold=True)
        inline = "    ".join(f"{label}: {value}" for label, value in meta)
        page.text(40, H - 160, inline, 8.5)
        table_top = H - 200

    y = _draw_table(page, doc, rng, template, table_top, style)
    y = _draw_totals(page, doc, rng, y - 10, money)
    _draw_payment(page, doc, rng, template, y - 30, vendor)
    return page.finish()


def _draw_table(page: _Page, doc, rng, template, top, style) -> float:
    W = page.width
    headers = [_label(doc, rng, key) for key in ("description", "quantity", "unit_price", "amount")]
    if rng.random() < 0.4:
        headers[3] = f"{headers[3]} ({doc['currency']})"
    right_edges = (None, 370, 465, W - 40)
    canvas_ = page.canvas
    if template == "window_right":
        canvas_.setFillGray(0.85)
        canvas_.rect(38, top - 4, W - 76, 15, stroke=0, fill=1)
        canvas_.setFillGray(0)
    page.text(42, top, headers[0], 9, bold=True)
    for header, edge in zip(headers[1:], right_edges[1:], strict=True):
        page.text(edge, top, header, 9, bold=True, align="right")
    if template in ("classic_left", "footer_vendor"):
        canvas_.line(38, top - 5, W - 38, top - 5)
    y = top - 18
    for line in doc["lines"]:
        page.text(42, y, line["description"], 9)
        page.text(370, y, format_quantity(line["quantity"], style), 9, align="right")
        page.text(465, y, format_amount(line["unit_price"], style), 9, align="right")
        page.text(W - 40, y, format_amount(line["amount"], style), 9, align="right")
        if template == "classic_left":  # full grid
            canvas_.line(38, y - 5, W - 38, y - 5)
        y -= 16
    if template == "classic_left":
        for x in (38, 300, 380, 475, W - 38):
            canvas_.line(x, top + 12, x, y + 11)
        canvas_.line(38, top + 12, W - 38, top + 12)
    elif template == "footer_vendor":
        canvas_.line(38, y + 10, W - 38, y + 10)
    return y


def _draw_totals(page: _Page, doc, rng, top, money) -> float:
    W = page.width
    rows = [
        (_label(doc, rng, "untaxed"), money(doc["untaxed"])),
        (_label(doc, rng, "tax", rate=doc["rate"]), money(doc["tax"])),
        (_label(doc, rng, "total"), money(doc["total"])),
    ]
    for i, (label, value) in enumerate(rows):
        bold = i == 2
        page.text(340, top - i * 15, label, 10 if bold else 9, bold=bold)
        page.text(W - 40, top - i * 15, value, 10 if bold else 9, bold=bold, align="right")
    return top - len(rows) * 15


def _draw_payment(page: _Page, doc, rng, template, top, vendor) -> None:
    iban = identifiers.format_iban(doc["iban"]) if rng.random() < 0.7 else doc["iban"]
    ref_label = _label(doc, rng, "reference")
    if template == "footer_vendor":
        page.canvas.line(40, 70, page.width - 40, 70)
        page.text(page.width / 2, 58, " · ".join(vendor[:3]), 8, align="center")
        page.text(page.width / 2, 47, f"{vendor[3]} · IBAN {iban}", 8, align="center")
        page.text(40, top, f"{ref_label}: {doc['printed_reference']}", 9)
        return
    page.text(40, top, f"IBAN: {iban}", 9)
    page.text(40, top - 13, f"{ref_label}: {doc['printed_reference']}", 9)
    if template == "window_right":
        page.text(
            page.width / 2, 40, f"{vendor[0]} · {vendor[1]} · {vendor[2]}", 7.5, align="center"
        )


def render_expense(doc: dict, rng: random.Random) -> bytes:
    """A narrow (80 mm) till receipt."""
    family = doc.setdefault("font", rng.choice(font_families()))
    width = 226
    height = 330 + 16 * len(doc["items"])
    page = _Page((width, height), tuple(family))
    style, cur, place = doc["amount_style"], doc["currency"], doc["money_placement"]
    labels = RECEIPT_LABELS[doc["lang"]]
    y = height - 40
    page.text(width / 2, y, doc["merchant"], 12, bold=True, align="center")
    page.text(width / 2, y - 15, doc["address"], 8, align="center")
    date = format_date(doc["date"], doc["lang"], rng)
    page.text(15, y - 45, f"{date}  {doc['time']}", 9)
    page.text(width - 15, y - 45, f"#{rng.randint(1000, 9999)}", 9, align="right")
    y -= 75
    for description, price in doc["items"]:
        page.text(15, y, description, 9)
        page.text(width - 15, y, format_amount(price, style), 9, align="right")
        y -= 16
    page.canvas.setDash(2, 2)
    page.canvas.line(15, y + 6, width - 15, y + 6)
    total = sum((price for _, price in doc["items"]), Decimal(0))
    page.text(15, y - 10, rng.choice(labels["total"]), 11, bold=True)
    page.text(width - 15, y - 10, format_money(total, cur, style, place), 11, bold=True,
              align="right")  # fmt: skip
    tax_label = rng.choice(labels["tax"]).format(rate=doc["rate"])
    page.text(15, y - 28, tax_label, 8)
    page.text(
        width - 15,
        y - 28,
        format_amount(Decimal(doc["truth"]["tax_amount"]), style),
        8,
        align="right",
    )
    thanks = {"en": "Thank you!", "fr": "Merci de votre visite", "nl": "Bedankt!", "de": "Danke!"}
    page.text(width / 2, 40, thanks[doc["lang"]], 9, align="center")
    return page.finish()


_BODY = {
    "en": "Led a team of five engineers delivering customer projects on time and on budget.",
    "fr": "Responsable d'une équipe de cinq ingénieurs pour des projets clients.",
    "nl": "Leidde een team van vijf ingenieurs bij klantprojecten binnen budget.",
    "de": "Leitung eines Teams von fünf Ingenieuren in Kundenprojekten.",
}


def render_resume(doc: dict, rng: random.Random) -> bytes:
    """A one-page resume: name, contact line and a few sections of body text."""
    family = doc.setdefault("font", rng.choice(font_families()))
    page = _Page(A4, tuple(family))
    W, H = page.width, page.height
    page.text(50, H - 70, doc["name"], 24, bold=True)
    contact = [doc["email"], doc["printed_phone"]]
    if rng.random() < 0.5:
        page.text(50, H - 92, "  |  ".join(contact), 10)
    else:
        page.lines(W - 50, H - 60, contact, 10, align="right")
    y = H - 140
    for section in RESUME_LABELS[doc["lang"]]:
        page.text(50, y, section, 13, bold=True)
        page.canvas.line(50, y - 4, W - 50, y - 4)
        y = page.lines(60, y - 20, [_BODY[doc["lang"]]] * rng.randint(2, 4), 10, leading=14)
        y -= 20
    return page.finish()
