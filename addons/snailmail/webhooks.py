"""The print shop's signed webhooks: a letter's state changes.

The body is signed with HMAC-SHA256 under the webhook secret (header
``Signature``, hex); a missing or wrong signature answers 403 before anything
in the body is read. Each event is applied once (``snailmail_shop_event``),
and a state never moves backwards.
"""

from __future__ import annotations

import json

import peewee
from flask import abort, request

from addons.snailmail import config, tracking
from addons.snailmail.models import Letter, ShopEvent
from addons.snailmail.providers.pingen import STATUS_RANK, signature_valid
from addons.snailmail.views import blueprint
from host import db, webhook


def _parse(body: dict) -> tuple[str, str, str]:
    """The event id, the shop's letter id and its new status (or ValueError)."""
    data = body.get("data") or {}
    event_id = str(data.get("id") or "")
    letter_ref = ((data.get("relationships") or {}).get("letter") or {}).get("data") or {}
    letter_id = str(letter_ref.get("id") or "")
    status = ""
    for item in body.get("included") or []:
        if item.get("type") == "letters" and str(item.get("id")) == letter_id:
            status = (item.get("attributes") or {}).get("status", "")
    if not event_id or not letter_id or not status:
        raise ValueError("the event needs data.id, a letter relationship and its status")
    if status not in STATUS_RANK:
        raise ValueError(f"unknown letter status {status!r}")
    return event_id, letter_id, status


@blueprint.route("/webhooks/pingen", methods=["POST"])
@webhook
def pingen_event():
    body = request.get_data(cache=True)
    if not signature_valid(
        config.get("pingen_webhook_secret"), body, request.headers.get("Signature")
    ):
        abort(403, description="Invalid webhook signature.")
    try:
        event_id, letter_id, status = _parse(json.loads(body))
    except (ValueError, AttributeError, TypeError) as exc:
        return {"error": f"malformed event: {exc}"[:200]}, 400
    letter = Letter.get_or_none(Letter.provider_id == letter_id)
    if letter is None:
        return {"status": "ignored", "reason": "unknown letter"}
    try:
        with db.atomic():
            ShopEvent.create(event_id=event_id[:128], letter=letter.id, status=status)
    except peewee.IntegrityError:
        return {"status": "unchanged", "reason": "event already applied"}
    changed = tracking.advance(letter.id, status)
    return {"status": "updated" if changed else "unchanged"}
