"""The letter composer: a record's document, or a letter written or uploaded
there, with its options, a preview of page 1 and the price, then Send.

It opens from ``Send by post`` on any record with a printable document for
someone (the ``document_actions`` hook); the letter is logged in that
record's chatter.
"""

from __future__ import annotations

import json
import uuid

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from addons.iap import balance
from addons.snailmail import config, jobs, pricing, sending, tracking
from addons.snailmail.errors import ATTACHMENT_ERROR, LetterError
from addons.snailmail.models import Letter
from addons.snailmail.preview import page_one
from addons.snailmail.printable import prepare_letter
from addons.snailmail.typeset import typeset
from addons.snailmail.views import blueprint
from host import Contact, Setting, current_user, db, find_document, local_path, locked

MAX_UPLOAD = 20 * 1024 * 1024
CONTACT_SHEET = "contact-sheet"


class _Target:
    """The record, its document and the address the letter goes to."""

    def __init__(self, model: str, res_id: int, document_id: str):
        try:
            self.document = find_document(model, res_id, document_id)
        except LookupError as exc:
            abort(404, description=str(exc))
        self.model, self.res_id, self.document_id = model, res_id, document_id
        self.contact = Contact.get_or_none(Contact.id == res_id) if model == "contact" else None
        self.title = self.contact.display_name if self.contact else self.document.title
        self.address = self.address_for("document")

    def writes_to_contact(self, mode: str) -> bool:
        """A letter written or uploaded on a contact, or its sheet, goes to
        the contact; another document goes to its own recipient."""
        return self.contact is not None and (
            mode != "document" or self.document_id == CONTACT_SHEET
        )

    def address_for(self, mode: str) -> dict:
        if self.writes_to_contact(mode):
            return sending.contact_address(self.contact)
        return sending.recipient_address(self.document)

    def back(self) -> str:
        wanted = local_path(request.values.get("next") or request.referrer)
        if wanted:
            return wanted
        if self.contact is not None:
            return url_for("host.contact", contact_id=self.contact.id)
        return url_for("snailmail.letters")


class _Draft:
    """What the composer's form describes: the document and the options."""

    def __init__(self, form, files, target: _Target):
        self.target = target
        self.mode = form.get("mode", "write" if target.contact else "document")
        self.subject = form.get("subject", "").strip()[:255]
        self.body = form.get("body", "")
        self.color = bool(form.get("color"))
        self.duplex = bool(form.get("duplex"))
        self.cover = bool(form.get("cover"))
        self.delivery = form.get("delivery", "standard")
        if self.delivery not in pricing.DELIVERIES:
            self.delivery = "standard"
        self.upload = files.get("document") if self.mode == "upload" else None
        self.filename = "letter.pdf"
        self.address = target.address_for(self.mode)
        self.contact = target.contact if target.writes_to_contact(self.mode) else None

    def pdf(self) -> bytes:
        if self.mode == "document":
            self.filename = self.target.document.filename
            self.subject = self.subject or self.target.document.title
            try:
                return self.target.document.pdf()
            except ValueError as exc:
                raise LetterError(
                    ATTACHMENT_ERROR, f"The document could not be made: {exc}."
                ) from None
        if self.mode == "upload":
            if self.upload is None or not self.upload.filename:
                raise LetterError(ATTACHMENT_ERROR, "Choose the PDF to send.")
            data = self.upload.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                raise LetterError(ATTACHMENT_ERROR, "The PDF is larger than 20 MB.")
            self.filename = self.upload.filename[-200:]
            return data
        if not self.subject and not self.body.strip():
            raise LetterError(
                ATTACHMENT_ERROR, "Write the letter (a subject and a text), or upload a PDF."
            )
        user = current_user()
        self.filename = (self.subject or "letter")[:60].replace("/", "-") + ".pdf"
        return typeset(
            self.subject,
            self.body,
            company=Setting.read("company_name", ""),
            sender=user.name if user else "",
        )


def _quote(draft: _Draft) -> dict:
    """Everything the composer shows before sending, or the error to fix."""
    address = draft.address
    window = config.get("window")
    try:
        document = draft.pdf()
        printable = prepare_letter(
            document, address, cover=draft.cover, window=window, duplex=draft.duplex
        )
        credits = pricing.price(
            address.get("country_code", ""),
            printable.sheets,
            color=draft.color,
            delivery=draft.delivery,
        )
    except LetterError as exc:
        return {"ok": False, "code": exc.code, "error": str(exc), "field": exc.field}
    return {
        "ok": True,
        "document": document,
        "printable": printable,
        "credits": credits,
        "available": balance("snailmail"),
        "window": window,
    }


def _page(target: _Target, token: str, draft=None, error=None, status=200):
    return (
        render_template(
            "snailmail/compose.html",
            target=target,
            address=target.address_for(
                draft.mode if draft else ("write" if target.contact else "document")
            ),
            token=token,
            deliveries=pricing.DELIVERIES,
            available=balance("snailmail"),
            draft=draft,
            error=error,
            back=target.back(),
        ),
        status,
    )


@blueprint.route("/compose/<int:contact_id>")
def compose(contact_id: int):
    """The contact's composer (its sheet as the document)."""
    return redirect(
        url_for(
            "snailmail.compose_document",
            model="contact",
            res_id=contact_id,
            document_id=CONTACT_SHEET,
        )
    )


@blueprint.route("/compose/<model>/<int:res_id>/<document_id>")
def compose_document(model: str, res_id: int, document_id: str):
    return _page(_Target(model, res_id, document_id), str(uuid.uuid4()))


@blueprint.route("/compose/<model>/<int:res_id>/<document_id>/preview", methods=["POST"])
def preview(model: str, res_id: int, document_id: str):
    quote = _quote(_Draft(request.form, request.files, _Target(model, res_id, document_id)))
    if not quote["ok"]:
        return jsonify({k: quote[k] for k in ("ok", "code", "error", "field")})
    printable = quote["printable"]
    return jsonify(
        {
            "ok": True,
            "image": page_one(printable.pdf, quote["window"]),
            "address": list(printable.address),
            "pages": printable.pages,
            "sheets": printable.sheets,
            "credits": f"{quote['credits'].normalize():f}",
            "available": f"{quote['available'].normalize():f}",
            "enough": quote["available"] >= quote["credits"],
            "buy_url": url_for("iap.buy", service="snailmail"),
        }
    )


@blueprint.route("/compose/<model>/<int:res_id>/<document_id>/send", methods=["POST"])
def send(model: str, res_id: int, document_id: str):
    target = _Target(model, res_id, document_id)
    token = request.form.get("token", "")
    try:
        uuid.UUID(token)
    except ValueError:
        abort(400, description="The form has expired: open the composer again.")
    if Letter.select().where(Letter.uid == token).exists():
        return redirect(target.back())  # a double submit: the first one is the letter
    draft = _Draft(request.form, request.files, target)
    quote = _quote(draft)
    if not quote["ok"]:
        flash(quote["error"], "error")
        return _page(target, token, draft, quote, 422)
    printable = quote["printable"]
    with db.atomic():
        # Locked until the letter is saved: deleting the contact meanwhile
        # waits, then finds this letter on its way and is refused.
        if (
            model == "contact"
            and locked(Contact.select(Contact.id).where(Contact.id == res_id)).first() is None
        ):
            abort(404, description="This contact was deleted meanwhile: no letter was sent.")
        letter = Letter.create(
            uid=token,
            model=model,
            res_id=res_id,
            contact=draft.contact.id if draft.contact else None,
            document_id=document_id if draft.mode == "document" else "",
            subject=draft.subject,
            filename=draft.filename,
            document=quote["document"],
            printable=printable.pdf,
            address=json.dumps(draft.address),
            color=draft.color,
            duplex=draft.duplex,
            cover=draft.cover,
            window=quote["window"],
            delivery=draft.delivery,
            pages=printable.pages,
            sheets=printable.sheets,
            credits=quote["credits"],
            author=current_user(),
        )
        tracking.follow(letter)
        jobs.send_letter.delay(letter.id)
    sheets = "sheet" if printable.sheets == 1 else "sheets"
    flash(
        f"Letter queued: {printable.sheets} {sheets}, {quote['credits'].normalize():f} credits.",
        "success",
    )
    return redirect(target.back())
