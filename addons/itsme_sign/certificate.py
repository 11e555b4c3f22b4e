"""The certificate page added after the signed pages: who signed, when, from
where, how they were identified, and the documents' SHA-256."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from addons.itsme_sign.stamping import font


def _styles():
    regular, bold = font("regular"), font("bold")
    return {
        "title": ParagraphStyle("t", fontName=bold, fontSize=16, leading=20, spaceAfter=6),
        "head": ParagraphStyle("h", fontName=bold, fontSize=11, leading=14, spaceBefore=8),
        "body": ParagraphStyle("b", fontName=regular, fontSize=9, leading=12),
        "mono": ParagraphStyle("m", fontName=regular, fontSize=7.5, leading=10),
        "warn": ParagraphStyle(
            "w", fontName=bold, fontSize=9, leading=12, textColor=HexColor("#9a3412")
        ),
    }


def _line(label: str, value: str, style) -> Paragraph:
    return Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", style)


def identification_lines(signer) -> list[tuple[str, str]]:
    """What the certificate says of a signer's identification."""
    if not signer.identification_method:
        return [("Identification", "by the secret link mailed to this address (no identity check)")]
    lines = [
        ("Identification", signer.identification_method),
        ("Result", signer.identification_result or "verified"),
        ("Verified name", signer.identified_name),
    ]
    if signer.identified_birthdate:
        lines.append(("Verified birth date", signer.identified_birthdate))
    if signer.identified_at:
        lines.append(("Identified at", signer.identified_at.strftime("%Y-%m-%d %H:%M:%S UTC")))
    return lines


def page(sign_request, signers, *, stamped_sha256: str, certificate_fingerprint: str) -> bytes:
    """The certificate as a one-or-more-page PDF."""
    styles = _styles()
    story = [
        Paragraph("Signature certificate", styles["title"]),
        _line("Document", sign_request.name, styles["body"]),
        _line("Request", f"#{sign_request.id}, {sign_request.page_count} page(s)", styles["body"]),
        Spacer(1, 2 * mm),
        _line("SHA-256 of the original", sign_request.original_sha256, styles["mono"]),
        _line("SHA-256 of the signed pages", stamped_sha256, styles["mono"]),
        _line(
            "Digitally signed by this instance's key, certificate SHA-256",
            certificate_fingerprint,
            styles["mono"],
        ),
    ]
    for signer in signers:
        block = [
            Paragraph(escape(f"{signer.name} · {signer.role.name}"), styles["head"]),
            _line("Email", signer.email, styles["body"]),
            _line(
                "Signed at",
                signer.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC") if signer.signed_at else "—",
                styles["body"],
            ),
            _line("IP address", signer.signed_ip or "—", styles["body"]),
            _line("Signature", signer.signature_kind or "—", styles["body"]),
        ]
        block += [
            _line(label, value, styles["body"]) for label, value in identification_lines(signer)
        ]
        if signer.name_mismatch:
            block.append(
                Paragraph(
                    escape(
                        f"Warning: the verified name ({signer.identified_name}) differs from "
                        f"the name the sender typed ({signer.name})."
                    ),
                    styles["warn"],
                )
            )
        story.append(KeepTogether(block))
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Signature certificate: {sign_request.name}",
    ).build(story)
    return out.getvalue()


def append(stamped: bytes, certificate: bytes) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(stamped), strict=False))
    writer.append(PdfReader(io.BytesIO(certificate)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
