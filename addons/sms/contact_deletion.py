"""What deleting a contact does to its SMS.

An SMS is history once it left (sent, delivered, failed, canceled): it stays,
with the name and number it was sent to (copied on it when it was queued),
and without its contact. One still waiting or being handed to the gateway
holds the contact: deleted under it, its chatter line and resend would
point at nothing.
"""

from __future__ import annotations

import json

from addons.sms.models import SmsBatch, SmsContactNumber, SmsMessage
from host import hookimpl

IN_FLIGHT = ("in_queue", "processing")


@hookimpl
def contact_delete_blockers(ids: list[int]) -> list[str]:
    rows = (
        SmsMessage.select(SmsMessage.recipient_name, SmsMessage.number, SmsMessage.number_raw)
        .where(SmsMessage.contact.in_(ids) & SmsMessage.state.in_(IN_FLIGHT))
        .order_by(SmsMessage.id)
        .tuples()
    )
    waiting: dict[tuple[str, str], int] = {}
    for name, number, raw in rows:
        key = (name, number or raw)
        waiting[key] = waiting.get(key, 0) + 1
    return [
        f"{'An SMS' if count == 1 else f'{count} SMS'} to {name} ({number}) "
        f"{'is' if count == 1 else 'are'} still being sent: delete the contact once "
        f"{'it has' if count == 1 else 'they have'} left (a mass SMS can be canceled)."
        for (name, number), count in waiting.items()
    ]


@hookimpl
def contacts_deleting(ids: list[int]) -> None:
    # The chatter lines go with the contact: a late delivery report must not
    # write to a line SQLite gives the same id again.
    SmsMessage.update(contact=None, chatter_message_id=None).where(
        SmsMessage.contact.in_(ids)
    ).execute()
    SmsContactNumber.delete().where(SmsContactNumber.contact.in_(ids)).execute()
    # A draft's selection would otherwise take in the next contact given the id.
    gone = set(ids)
    for batch in SmsBatch.select(SmsBatch.id, SmsBatch.contact_ids).where(
        SmsBatch.state == "draft"
    ):
        kept = [i for i in batch.contact_id_list if i not in gone]
        if len(kept) != len(batch.contact_id_list):
            SmsBatch.update(contact_ids=json.dumps(kept)).where(SmsBatch.id == batch.id).execute()
