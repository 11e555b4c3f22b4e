"""The composer (one contact) and its preview; the Letters pages: list, letter, Retry, Cancel."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from addons.iap import balance
from addons.snailmail import config, jobs, pricing, sending, tracking
from addons.snailmail.errors import CREDIT_ERROR, RETRYABLE, TITLES, LetterError
from addons.snailmail.models import Letter
from addons.snailmail.preview import page_one
from addons.snailmail.printable import prepare_letter
from addons.snailmail.typeset import typeset
from host import Contact, Setting, current_user, db

blueprint = Blueprint("snailmail", __name__, template_folder="templates", url_prefix="/snailmail")

MAX_UPLOAD = 20 * 1024 * 1024
FILTERS = ("all", "pending", "sent", "error", "canceled")


def _fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _contact_or_404(contact_id: int) -> Contact:
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        abort(404, description="This contact does not exist (any more).")
    return contact


def _letter_or_404(letter_id: int) -> Letter:
    letter = Letter.get_or_none(Letter.id == letter_id)
    if letter is None:
        abort(404, description="This letter does not exist.")
    return letter


@blueprint.context_processor
def snailmail_globals():
    return {"state_label": tracking.label, "error_titles": TITLES}


# -- the composer ---------------------------------------------------------------


class _Draft:
    """What the composer's form describes: the document and the options."""

    def __init__(self, form, files):
        self.mode = form.get("mode", "write")
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

    def document(self) -> bytes:
        if self.mode == "upload":
            if self.upload is None or not self.upload.filename:
                raise LetterError("ATTACHMENT_ERROR", "Choose the PDF to send.")
            data = self.upload.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                raise LetterError("ATTACHMENT_ERROR", "The PDF is larger than 20 MB.")
            self.filename = self.upload.filename[-200:]
            return data
        if not self.subject and not self.body.strip():
            raise LetterError(
                "ATTACHMENT_ERROR", "Write the letter (a subject and a text), or upload a PDF."
            )
        user = current_user()
        self.filename = (self.subject or "letter")[:60].replace("/", "-") + ".pdf"
        return typeset(
            self.subject,
            self.body,
            company=Setting.read("company_name", ""),
            sender=user.name if user else "",
        )


def _quote(contact: Contact, draft: _Draft) -> dict:
    """Everything the composer shows before sending, or the error to fix."""
    address = sending.contact_address(contact)
    window = config.get("window")
    try:
        document = draft.document()
        printable = prepare_letter(
            document, address, cover=draft.cover, window=window, duplex=draft.duplex
        )
        credits = pricing.price(
            address["country_code"], printable.sheets, color=draft.color, delivery=draft.delivery
        )
    except LetterError as exc:
        return {"ok": False, "code": exc.code, "error": str(exc), "field": exc.field}
    available = balance("snailmail")
    return {
        "ok": True,
        "document": document,
        "printable": printable,
        "credits": credits,
        "available": available,
        "window": window,
    }


@blueprint.route("/compose/<int:contact_id>")
def compose(contact_id: int):
    contact = _contact_or_404(contact_id)
    address = sending.contact_address(contact)
    return render_template(
        "snailmail/compose.html",
        contact=contact,
        address=address,
        token=str(uuid.uuid4()),
        deliveries=pricing.DELIVERIES,
        available=balance("snailmail"),
    )


@blueprint.route("/compose/<int:contact_id>/preview", methods=["POST"])
def preview(contact_id: int):
    contact = _contact_or_404(contact_id)
    quote = _quote(contact, _Draft(request.form, request.files))
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


@blueprint.route("/compose/<int:contact_id>/send", methods=["POST"])
def send(contact_id: int):
    contact = _contact_or_404(contact_id)
    token = request.form.get("token", "")
    try:
        uuid.UUID(token)
    except ValueError:
        abort(400, description="The form has expired: open the composer again.")
    existing = Letter.get_or_none(Letter.uid == token)
    if existing is not None:  # a double submit: the first one is the letter
        return redirect(url_for("host.contact", contact_id=contact.id))
    draft = _Draft(request.form, request.files)
    quote = _quote(contact, draft)
    if not quote["ok"]:
        flash(quote["error"], "error")
        return (
            render_template(
                "snailmail/compose.html",
                contact=contact,
                address=sending.contact_address(contact),
                token=token,
                deliveries=pricing.DELIVERIES,
                available=balance("snailmail"),
                draft=draft,
                error=quote,
            ),
            422,
        )
    printable = quote["printable"]
    with db.atomic():
        letter = Letter.create(
            uid=token,
            model="contact",
            res_id=contact.id,
            contact=contact.id,
            subject=draft.subject,
            filename=draft.filename,
            document=quote["document"],
            printable=printable.pdf,
            address=json.dumps(sending.contact_address(contact)),
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
    return redirect(url_for("host.contact", contact_id=contact.id))


# -- letters ---------------------------------------------------------------------


@blueprint.route("/letters")
def letters():
    state = request.args.get("state", "all")
    if state not in FILTERS:
        state = "all"
    query = Letter.select(
        Letter.id,
        Letter.state,
        Letter.shop_state,
        Letter.error_code,
        Letter.error_message,
        Letter.address,
        Letter.subject,
        Letter.filename,
        Letter.sheets,
        Letter.credits,
        Letter.charged,
        Letter.created_at,
        Letter.res_id,
        Letter.provider,
    ).order_by(Letter.id.desc())
    if state == "pending":
        query = query.where(Letter.state.in_(("pending", "sending")))
    elif state != "all":
        query = query.where(Letter.state == state)
    counts = {s: Letter.select().where(Letter.state.in_(_states(s))).count() for s in FILTERS[1:]}
    return render_template(
        "snailmail/letters.html",
        letters=list(query.limit(200)),
        state=state,
        filters=FILTERS,
        counts=counts,
        retryable=RETRYABLE,
    )


def _states(name: str) -> tuple[str, ...]:
    return ("pending", "sending") if name == "pending" else (name,)


@blueprint.route("/letters/retry", methods=["POST"])
def retry_many():
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    requeued = sending.requeue(ids)
    for letter_id in requeued:
        jobs.send_letter.delay(letter_id)
    if requeued:
        word = "letter" if len(requeued) == 1 else "letters"
        flash(f"{len(requeued)} {word} queued again.", "success")
    else:
        flash("No letter in error was selected.", "error")
    return redirect(request.form.get("next") or url_for("snailmail.letters"))


@blueprint.route("/letters/<int:letter_id>")
def letter(letter_id: int):
    current = _letter_or_404(letter_id)
    return render_template(
        "snailmail/letter.html",
        letter=current,
        cancelable=current.state in ("pending", "error")
        or (current.state == "sent" and current.shop_state in tracking.CANCELABLE),
        credit_error=current.error_code == CREDIT_ERROR,
    )


@blueprint.route("/letters/<int:letter_id>/retry", methods=["POST"])
def retry(letter_id: int):
    current = _letter_or_404(letter_id)
    if sending.requeue([current.id]):
        jobs.send_letter.delay(current.id)
        flash("The letter is queued again.", "success")
    else:
        flash(f"The letter is {tracking.label(current)}: there is nothing to retry.", "error")
    return redirect(url_for("snailmail.letter", letter_id=current.id))


@blueprint.route("/letters/<int:letter_id>/cancel", methods=["POST"])
def cancel(letter_id: int):
    current = _letter_or_404(letter_id)
    try:
        tracking.cancel(current.id)
    except tracking.CannotCancel as exc:
        flash(str(exc), "error")
    else:
        flash("The letter is canceled; no credit is spent for it.", "success")
    return redirect(url_for("snailmail.letter", letter_id=current.id))


@blueprint.route("/letters/<int:letter_id>/pdf")
def letter_pdf(letter_id: int):
    current = _letter_or_404(letter_id)
    data = current.printable or current.document
    return (
        bytes(data),
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="letter-{current.id}.pdf"',
        },
    )


@blueprint.route("/letters/<int:letter_id>/state")
def letter_state(letter_id: int):
    """The letter's state as a fragment that polls itself until it is final."""
    return render_template("snailmail/_state.html", letter=_letter_or_404(letter_id))
