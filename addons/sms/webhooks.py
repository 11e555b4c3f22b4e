"""Twilio's callbacks: delivery reports, and replies (STOP / START).

Both are signed with the account's auth token over ``HOST_BASE_URL`` + the
path the callback was configured with; an unsigned or forged call is refused
with 403 before anything in it is read.
"""

from __future__ import annotations

from flask import Response, abort, request

from addons.sms import blacklist, config, numbers, recovery, sending, twilio
from addons.sms.models import SmsInboundReply, SmsMessage
from addons.sms.views import blueprint
from host import webhook, write_transaction

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _verify() -> None:
    token = config.get(config.SECRET)
    path = request.path
    if request.query_string:
        path += "?" + request.query_string.decode("utf-8", "replace")
    signature = request.headers.get("X-Twilio-Signature")
    if not token or not twilio.validate_signature(
        token, config.public_url(path), request.form, signature
    ):
        abort(403, description="Invalid Twilio signature.")


def _find(sid: str) -> SmsMessage | None:
    message = SmsMessage.get_or_none(SmsMessage.provider_id == sid)
    raw = request.args.get("message", "")
    if message is not None or not raw.isdecimal() or len(raw) > 18:
        return message
    # The report can overtake the recording of the gateway's answer: the signed
    # URL names our message, which adopts the id while it is being handed over.
    # So does a message whose sender died handing it over (its outcome unknown).
    adopted = (
        SmsMessage.update(provider_id=sid)
        .where(
            (SmsMessage.id == int(request.args["message"]))
            & SmsMessage.provider_id.is_null()
            & (
                (SmsMessage.state == "processing")
                | ((SmsMessage.state == "failed") & (SmsMessage.failure_reason == recovery.STOPPED))
            )
        )
        .execute()
    )
    return SmsMessage.get_by_id(int(request.args["message"])) if adopted else None


@blueprint.route("/webhooks/twilio/status", methods=["POST"])
@webhook
def twilio_status():
    """A delivery report: moves the message forward, never back."""
    _verify()
    try:
        update = twilio.parse_status_callback(request.form)
    except ValueError as exc:
        return {"error": str(exc)[:200]}, 400
    message = _find(update.sid)
    if message is None:
        return {"status": "ignored", "reason": "unknown message"}
    if update.state == "failed":
        reason = "The carrier did not deliver it"
        if update.error_code:
            reason += f" (Twilio error {update.error_code})"
        failure_type = twilio.ERROR_CODE_FAILURES.get(update.error_code, "not_delivered")
        if recovery.is_unknown(message):
            changed = recovery.settle(message, "failed", failure_type, reason)
        else:
            changed = sending.fail(message, failure_type, reason)
    elif recovery.is_unknown(message):
        changed = recovery.settle(message, update.state)
    else:
        changed = sending.advance(message.id, update.state)
    return {"status": "updated" if changed else "unchanged"}


@blueprint.route("/webhooks/twilio/inbound", methods=["POST"])
@webhook
def twilio_inbound():
    """A reply: STOP (and its synonyms) blacklists the sender, START lifts it."""
    _verify()
    try:
        number = numbers.normalize(request.form.get("From", ""))
    except numbers.InvalidNumber as exc:
        return {"error": f"malformed sender: {exc}"[:200]}, 400
    sid = str(request.form.get("MessageSid") or request.form.get("SmsSid") or "").strip()
    if not sid or len(sid) > 64:
        return {"error": "the reply has no MessageSid"}, 400
    body = request.form.get("Body", "")
    action = blacklist.keyword(body)
    with write_transaction():
        # Acted upon once: a replayed (still validly signed) START must not
        # undo the STOP that came after it.
        inserted = (
            SmsInboundReply.insert(sid=sid, number=number)
            .on_conflict_ignore()
            .as_rowcount()
            .execute()
        )
        if not inserted:
            return Response(EMPTY_TWIML, mimetype="text/xml")
        if action == "stop":
            blacklist.add(number, reason=f"Replied {body.strip().upper()}", source="reply")
        elif action == "start":
            blacklist.remove(number)
    return Response(EMPTY_TWIML, mimetype="text/xml")
