"""A subject and a body typeset on A4 under the company's letterhead (reportlab).

The text stays clear of both envelope windows and of the margins that
``prepare`` blanks, so the result is always printable without a cover page.
"""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Frame, PageTemplate, Paragraph, Spacer
from reportlab.platypus.doctemplate import BaseDocTemplate

_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14, spaceAfter=7)
_SUBJECT = ParagraphStyle("subject", parent=_BODY, fontName="Helvetica-Bold", fontSize=11.5)
_HEAD = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=13, leading=16)
_SMALL = ParagraphStyle("small", fontName="Helvetica", fontSize=8.5, leading=11)


def typeset(subject: str, body: str, *, company: str = "", sender: str = "", date=None) -> bytes:
    """The letter as a PDF: letterhead, date, subject, then the body's paragraphs."""
    width, height = A4
    date = date or dt.date.today()
    buffer = io.BytesIO()

    def letterhead(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 13)
        canvas.drawString(20 * mm, height - 20 * mm, company or "")
        canvas.setFont("Helvetica", 8.5)
        if sender:
            canvas.drawString(20 * mm, height - 25 * mm, sender)
        canvas.drawRightString(width - 15 * mm, height - 20 * mm, date.strftime("%d %B %Y"))
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(width - 15 * mm, 12 * mm, f"{document.page}")
        canvas.restoreState()

    def later_pages(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(20 * mm, height - 15 * mm, company or "")
        canvas.drawRightString(width - 15 * mm, 12 * mm, f"{document.page}")
        canvas.restoreState()

    # Page 1 starts below both envelope windows (the left one ends 90 mm from the top).
    first = Frame(20 * mm, 22 * mm, width - 40 * mm, height - 100 * mm - 22 * mm, id="first")
    later = Frame(20 * mm, 22 * mm, width - 40 * mm, height - 25 * mm - 22 * mm, id="later")
    document = BaseDocTemplate(buffer, pagesize=A4, title=subject or "Letter", author=company)
    document.addPageTemplates(
        [
            PageTemplate(
                id="First", frames=[first], onPage=letterhead, autoNextPageTemplate="Later"
            ),
            PageTemplate(id="Later", frames=[later], onPage=later_pages),
        ]
    )
    story = []
    if subject.strip():
        story += [Paragraph(escape(subject.strip()), _SUBJECT), Spacer(1, 3 * mm)]
    for paragraph in body.replace("\r\n", "\n").split("\n\n"):
        if paragraph.strip():
            story.append(Paragraph(escape(paragraph.strip()).replace("\n", "<br/>"), _BODY))
    if not story:
        story.append(Paragraph("&nbsp;", _BODY))
    document.build(story)
    return buffer.getvalue()
