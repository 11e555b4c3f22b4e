"""What deleting a contact does to its letters.

A letter the print shop took (or that failed, or was canceled) is history:
it stays, with the address it was sent to (copied on it when it was made)
and its PDF, without its contact. One not handed over yet (``pending``,
``sending``) holds the contact: it can still be canceled, and a retry
reads the contact's address again.
"""

from __future__ import annotations

from addons.snailmail.models import Letter
from host import hookimpl

IN_FLIGHT = ("pending", "sending")


def _of(ids: list[int]):
    return Letter.contact.in_(ids) | ((Letter.model == "contact") & Letter.res_id.in_(ids))


@hookimpl
def contact_delete_blockers(ids: list[int]) -> list[str]:
    letters = (
        Letter.select(Letter.id, Letter.address, Letter.subject)
        .where(_of(ids) & Letter.state.in_(IN_FLIGHT))
        .order_by(Letter.id)
    )
    return [
        f"Letter #{letter.id} ({letter.subject or 'no subject'}) to {letter.recipient} "
        "has not reached the print shop yet: cancel it, or delete the contact once it is sent."
        for letter in letters
    ]


@hookimpl
def contacts_deleting(ids: list[int]) -> None:
    # Its chatter line goes with the contact, so the letter stops following
    # it: SQLite may give the line's id to another record's message.
    Letter.update(chatter_message_id=None).where(_of(ids)).execute()
    Letter.update(res_id=None).where((Letter.model == "contact") & Letter.res_id.in_(ids)).execute()
    Letter.update(contact=None).where(Letter.contact.in_(ids)).execute()
