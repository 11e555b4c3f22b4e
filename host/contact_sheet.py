"""A contact's sheet as a printable A4 PDF: the host's own document.

Page one keeps both envelope windows blank (DIN 5008's left field and the
right window Odoo and Pingen use), and the margins and the bottom-left corner
too, so a letter service can print the address and its marks there.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from host.forms import country_name
from host.models import Contact, Setting

_DEJAVU = "/usr/share/fonts/truetype/dejavu/"
LEFT = 25 * mm
# Below both envelope windows (the lower ends 90 mm from the top).
BODY_TOP = 100 * mm
LINE = 6.5 * mm


@functools.cache
def _fonts() -> tuple[str, str]:
    """DejaVu when installed (any alphabet), else the PDF base fonts (Latin-1)."""
    regular, bold = _DEJAVU + "DejaVuSans.ttf", _DEJAVU + "DejaVuSans-Bold.ttf"
    if os.path.exists(regular) and os.path.exists(bold):
        pdfmetrics.registerFont(TTFont("HostSans", regular))
        pdfmetrics.registerFont(TTFont("HostSans-Bold", bold))
        return "HostSans", "HostSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def rows(contact: Contact) -> list[tuple[str, str]]:
    address = [contact.street, contact.street2, f"{contact.zip} {contact.city}".strip()]
    if contact.country:
        address.append(country_name(contact.country))
    found = [
        ("Name", contact.name),
        ("Company", "" if contact.is_company else contact.company_name),
        ("Address", "\n".join(line for line in address if line)),
        ("Email", contact.email),
        ("Phone", contact.phone),
        ("Mobile", contact.mobile),
        ("VAT Number", contact.vat),
        ("Website", contact.website),
    ]
    return [(label, value) for label, value in found if value]


def contact_sheet(contact: Contact, today: dt.date | None = None) -> bytes:
    regular, bold = _fonts()
    width, height = A4
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    pdf.setTitle(f"Contact sheet: {contact.display_name}")
    pdf.setFont(bold, 13)
    pdf.drawString(LEFT, height - 22 * mm, Setting.read("company_name", "My Company"))
    pdf.setFont(regular, 10)
    stamp = (today or dt.date.today()).isoformat()
    pdf.drawRightString(width - 20 * mm, height - 22 * mm, stamp)
    y = height - BODY_TOP
    pdf.setFont(bold, 15)
    pdf.drawString(LEFT, y, contact.display_name)
    y -= 2 * LINE
    for label, value in rows(contact):
        pdf.setFont(bold, 10)
        pdf.drawString(LEFT, y, label)
        pdf.setFont(regular, 10)
        for line in value.splitlines():
            pdf.drawString(LEFT + 35 * mm, y, line[:90])
            y -= LINE
        if y < 30 * mm:
            break
    pdf.showPage()
    pdf.save()
    return out.getvalue()
