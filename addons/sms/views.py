"""The composer (one contact, in a pop-up), its live preview, Resend, and mass SMS."""

from __future__ import annotations

import datetime as dt
import secrets

import peewee
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from addons.iap import InsufficientCreditError, balance
from addons.sms import batch_job, batches, numbers, planning, pricing, recipients, sending
from addons.sms.models import SmsBatch, SmsMessage
from host import (
    Contact,
    check_owner,
    current_user,
    db,
    locked,
    post_message,
    selected_contacts,
    utcnow,
    write_transaction,
)

blueprint = Blueprint(
    "sms", __name__, template_folder="templates", static_folder="static", url_prefix="/sms"
)
# Sees, cancels and retries every user's mass SMS; a User, their own.
MANAGER = "sms.manager"


def _messages(count: int) -> str:
    return f"{count} message{'' if count == 1 else 's'}"


def _fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _contact_or_404(contact_id: int) -> Contact:
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        abort(404, description="This contact does not exist (any more).")
    return contact


@blueprint.app_template_filter("sms_phone")
def phone_filter(e164: str) -> str:
    try:
        return numbers.format_international(e164) if e164 else ""
    except numbers.InvalidNumber:
        return e164


@blueprint.context_processor
def sms_globals():
    return {"failure_labels": sending.FAILURE_LABELS, "country_label": pricing.country_label}


# -- one contact -------------------------------------------------------------


@blueprint.route("/compose/<int:contact_id>/<any(phone, mobile):field>", methods=["GET", "POST"])
def compose(contact_id: int, field: str):
    contact = _contact_or_404(contact_id)
    raw = getattr(contact, field)
    body = request.form.get("body", "")
    recipient, number_error = None, ""
    try:
        recipient = recipients.check_recipient(raw, pricing.outgoing_text(body), contact.country)
    except recipients.Refused as exc:
        number_error = str(exc)
    view = {
        "contact": contact,
        "field": field,
        "raw": raw,
        "recipient": recipient,
        "number_error": number_error,
        "body": body,
        "counter": pricing.counter(body, recipient.quote.credits_per_part if recipient else None),
    }
    # The pop-up's URL opened directly (a new tab, no JavaScript): the same form as a page.
    template = "sms/compose.html" if _fetch() else "sms/compose_page.html"
    if request.method == "GET":
        return render_template(template, token=secrets.token_urlsafe(16), **view)

    token = request.form.get("token", "")[:64] or secrets.token_urlsafe(16)
    existing = SmsMessage.get_or_none(SmsMessage.token == token)
    if existing is not None:  # a double click: answer for the first one, send nothing
        return _outcome(existing)
    body_error = pricing.text_problem(pricing.outgoing_text(body))
    if number_error or body_error:
        return render_template(template, token=token, body_error=body_error, **view), 422
    try:
        message = _queue_single(contact, raw, recipient, token)
    except peewee.IntegrityError:  # the same double click, on another worker
        return _outcome(SmsMessage.get(SmsMessage.token == token))
    try:
        message = sending.send_now(message.id)
    except InsufficientCreditError as exc:
        if not _fetch():
            flash(f"SMS not sent: {exc}", "error")
            return redirect(url_for("host.contact", contact_id=contact.id), code=303)
        return _message_dialog(SmsMessage.get_by_id(message.id), insufficient=exc), 402
    return _outcome(message)


def _queue_single(contact: Contact, raw: str, recipient: recipients.Recipient, token: str):
    """The message and its chatter entry, together or not at all."""
    quote = recipient.quote
    with write_transaction():
        # Locked until the message is saved: deleting the contact meanwhile
        # waits, then finds this SMS on its way and is refused.
        if locked(Contact.select(Contact.id).where(Contact.id == contact.id)).first() is None:
            abort(404, description="This contact was deleted meanwhile: no SMS was sent.")
        message = SmsMessage.create(
            contact=contact.id,
            recipient_name=contact.display_name,
            number_raw=raw,
            number=recipient.number,
            country=recipient.country,
            body=quote.text,
            encoding=quote.info.encoding,
            parts=quote.parts,
            credits=quote.credits,
            token=token,
            author=current_user(),
        )
        note = post_message(
            contact,
            quote.text,
            kind="sms",
            author=current_user(),
            state="in_queue",
            meta={"sms_message": message.id, "number": recipient.number},
        )
        message.chatter_message_id = note.id
        message.save(only=[SmsMessage.chatter_message_id])
    return message


def _outcome(message: SmsMessage):
    """Close the pop-up when the gateway took the message, else explain why not."""
    if not _fetch():  # sent from the page form: back to the contact, whose chatter follows it
        if message.state == "failed":
            detail = sending.detail(message.failure_type, message.failure_reason)
            flash(f"SMS not sent: {detail}", "error")
        else:
            flash(f"SMS sent to {message.recipient_name}.", "success")
        if message.contact_id:
            return redirect(url_for("host.contact", contact_id=message.contact_id), code=303)
        return redirect(url_for("sms.history"), code=303)
    if message.state == "failed":
        status = 402 if message.failure_type == "insufficient_credit" else 502
        return _message_dialog(message), status
    return jsonify(
        message=f"SMS sent to {message.recipient_name} ({phone_filter(message.number)}).",
        close=True,
    )


def _message_dialog(message: SmsMessage, *, insufficient=None, error: str = ""):
    if insufficient is None and message.failure_type == "insufficient_credit":
        insufficient = batches.shortfall(message.credits)
    return render_template(
        "sms/message_dialog.html",
        message=message,
        insufficient=insufficient,
        error=error,
        resendable=message.state == "failed" and message.failure_type in sending.RESENDABLE,
    )


@blueprint.route("/messages/<int:message_id>/resend", methods=["POST"])
def resend(message_id: int):
    message = SmsMessage.get_or_none(SmsMessage.id == message_id)
    if message is None:
        abort(404, description="This SMS does not exist.")
    check_owner(message.author_id, see_all=MANAGER)
    problem = ""
    if message.state != "failed" or message.failure_type not in sending.RESENDABLE:
        problem = "Only an SMS that failed for lack of credits or a gateway error can be resent."
    else:
        try:
            recipient = recipients.check_recipient(message.number, message.body)
        except recipients.Refused as exc:
            problem = str(exc)
    if problem:
        if _fetch():
            return _message_dialog(message, error=problem), 409
        flash(problem, "error")
        return redirect(request.referrer or url_for("sms.history"))
    sending.requeue(message, recipient.quote.credits)
    try:
        message = sending.send_now(message.id)
    except InsufficientCreditError as exc:
        message = SmsMessage.get_by_id(message.id)
        if _fetch():
            return _message_dialog(message, insufficient=exc), 402
        flash(f"Not resent: {exc}", "error")
        return redirect(request.referrer or url_for("sms.history"))
    if _fetch():
        return _outcome(message)
    if message.state == "failed":
        flash(
            f"Not resent: {sending.detail(message.failure_type, message.failure_reason)}", "error"
        )
    else:
        flash(f"SMS resent to {message.recipient_name}.", "success")
    return redirect(request.referrer or url_for("sms.history"))


@blueprint.route("/preview", methods=["POST"])
def preview():
    """The live counter: characters, encoding, parts and credits of the text."""
    body = request.form.get("body", "")
    per_part, count = None, 1
    batch_id = request.form.get("batch_id", type=int)  # None when out of a 64-bit range too
    contact_id = request.form.get("contact_id", type=int)
    if batch_id is not None:
        batch = _batch_or_404(batch_id)
        per_part, count = batch.per_part_total, batch.recipients
    elif contact_id is not None:
        contact = _contact_or_404(contact_id)
        field = request.form.get("field")
        if field not in ("phone", "mobile"):
            abort(400, description="field must be phone or mobile")
        try:
            _, _, per_part = recipients.locate(getattr(contact, field), contact.country)
        except recipients.Refused:
            per_part = None
    return jsonify(pricing.counter(body, per_part, count))


# -- mass SMS ----------------------------------------------------------------


@blueprint.route("/mass", methods=["POST"])
def mass():
    """The contacts list's bulk action: keep the selection, open the composer."""
    # Plain rows: "select all" can be ten thousand ids, and peewee's row
    # wrapping would be most of this request's time.
    ids = [row[0] for row in db.execute_sql(*selected_contacts().select(Contact.id).sql())]
    if not ids:
        flash("Select the contacts to send an SMS to.", "error")
        return redirect(url_for("host.contacts"))
    batch = batches.draft(ids, current_user())
    return redirect(url_for("sms.batch", batch_id=batch.id), code=303)


def _batch_or_404(batch_id: int) -> SmsBatch:
    batch = SmsBatch.get_or_none(SmsBatch.id == batch_id)
    if batch is None:
        abort(404, description="This mass SMS does not exist.")
    check_owner(batch.author_id, see_all=MANAGER)
    return batch


@blueprint.route("/batches/<int:batch_id>")
def batch(batch_id: int):
    batch = _batch_or_404(batch_id)
    if batch.state == "draft":
        return _mass_composer(batch)
    return render_template("sms/batch.html", batch=batch, **_status(batch))


def _mass_composer(batch: SmsBatch, *, body="", error="", insufficient=None, log_chatter=False):
    plan = planning.summarize(batch)
    return render_template(
        "sms/mass.html",
        batch=batch,
        plan=plan,
        counts=plan.counts,
        body=body,
        error=error,
        insufficient=insufficient,
        log_chatter=log_chatter,
        available=balance("sms"),
        counter=pricing.counter(body, plan.per_part_total, plan.valid),
    )


@blueprint.route("/batches/<int:batch_id>/send", methods=["POST"])
def batch_send(batch_id: int):
    batch = _batch_or_404(batch_id)
    body = request.form.get("body", "")
    log_chatter = request.form.get("log_chatter") == "on"
    if batch.state != "draft":
        return redirect(url_for("sms.batch", batch_id=batch.id))
    try:
        batches.start(batch, body, log_chatter=log_chatter, author=current_user())
    except InsufficientCreditError as exc:
        page = _mass_composer(batch, body=body, insufficient=exc, log_chatter=log_chatter)
        return page, 402
    except ValueError as exc:
        return _mass_composer(batch, body=body, error=str(exc), log_chatter=log_chatter), 422
    # No flash: the page's status line says it, and follows the job.
    return redirect(url_for("sms.batch", batch_id=batch.id), code=303)


def _status(batch: SmsBatch) -> dict:
    limit = 200
    messages = (
        SmsMessage.select().where(SmsMessage.batch == batch.id).order_by(SmsMessage.id).limit(limit)
    )
    progress = batch_job.progress(batch.id)
    # Keep following a finished batch for a while, as delivery reports come in.
    reports_due = progress["sent"] > progress["delivered"] and (
        batch.done_at is not None and batch.done_at > utcnow() - dt.timedelta(minutes=2)
    )
    return {
        "progress": progress,
        "messages": messages,
        "limit": limit,
        "running": batch.state in ("queued", "sending") or reports_due,
    }


@blueprint.route("/batches/<int:batch_id>/status")
def batch_status(batch_id: int):
    """The progress and results, refreshed by ``data-poll`` while the job runs."""
    batch = _batch_or_404(batch_id)
    return render_template("sms/_batch_status.html", batch=batch, **_status(batch))


@blueprint.route("/batches/<int:batch_id>/cancel", methods=["POST"])
def batch_cancel(batch_id: int):
    batch = _batch_or_404(batch_id)
    if batch.state not in ("queued", "sending"):  # a page left open while the job ended
        flash(f"Mass SMS #{batch.id} had already finished: nothing to cancel.", "info")
        return redirect(url_for("sms.batch", batch_id=batch.id), code=303)
    count = batch_job.cancel(batch.id)
    flash(f"Mass SMS canceled; {_messages(count)} not sent.", "success")
    return redirect(url_for("sms.batch", batch_id=batch.id), code=303)


@blueprint.route("/batches/<int:batch_id>/retry", methods=["POST"])
def batch_retry(batch_id: int):
    batch = _batch_or_404(batch_id)
    try:
        count = batches.retry(batch)
    except InsufficientCreditError as exc:
        flash(f"Nothing was resent: {exc}", "error")
    else:
        flash(f"{_messages(count)} queued again.", "success")
        unknown = batches.unknown_outcomes(batch.id)
        if unknown:
            flash(
                f"{_messages(unknown)} whose sender stopped while handing them to the gateway "
                "were left out: they may have arrived. Resend them one by one if they did not.",
                "warning",
            )
    return redirect(url_for("sms.batch", batch_id=batch.id), code=303)
