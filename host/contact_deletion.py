"""Deleting contacts that the apps' records point to.

A contact is shared: SMS, letters, leads and documents keep its id. Each
addon says what it does when contacts go (``contacts_deleting``: history
stays, unlinked) and what keeps them from going (``contact_delete_blockers``:
work in flight); the host knows none of their tables.
"""

from __future__ import annotations

from host.chatter import delete_chatter
from host.db import locked, write_transaction
from host.hookcalls import hooks
from host.models import Contact

# Reasons said in the message: a bulk deletion may meet thousands.
SHOWN = 10


class ContactInUse(Exception):
    """The contacts cannot be deleted now; ``reasons`` says what holds them."""

    def __init__(self, reasons: list[str]):
        shown = reasons[:SHOWN]
        if len(reasons) > SHOWN:
            shown.append(f"And {len(reasons) - SHOWN} more.")
        super().__init__(" ".join(shown))
        self.reasons = reasons


# Ids per statement: every IN list binds each id, and SQLite takes a few
# tens of thousands of parameters at most.
CHUNK = 500


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def delete_contacts(ids) -> int:
    """Delete the contacts ``ids`` and their chatter, after every installed
    addon unlinked its records, in one transaction; returns how many went.

    Raises :class:`ContactInUse`, deleting nothing, when an addon refuses.
    """
    ids = sorted(set(ids))
    with write_transaction():
        # Locked first, as the SMS and letter composers lock the contact they
        # write to: on PostgreSQL whichever comes second waits, then sees the
        # SMS on its way (refused) or the contact gone (404).
        found = []
        for chunk in _chunks(ids):
            query = locked(Contact.select(Contact.id).where(Contact.id.in_(chunk)))
            found += [row.id for row in query]
        reasons = [
            r for chunk in _chunks(found) for r in hooks().contact_delete_blockers(ids=chunk)
        ]
        if reasons:
            raise ContactInUse(reasons)
        deleted = 0
        for chunk in _chunks(found):
            hooks().contacts_deleting(ids=chunk)
            # The chatter goes with its record, as in Odoo.
            delete_chatter(Contact.model_name, chunk)
            deleted += Contact.delete().where(Contact.id.in_(chunk)).execute()
        return deleted
