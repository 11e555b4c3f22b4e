"""The Snailmail app's records for the inherited security tests
(tests/test_forms_fuzz.py): a letter on its way (cancel) and one refused by
the print shop (retry, the bulk retry), and a contact's composer."""

from __future__ import annotations

import json


def make(client, user) -> list[str]:
    from addons.snailmail import sending, tracking
    from addons.snailmail.models import Letter
    from host import Contact
    from tests.addons.snailmail import documents

    contact = Contact.select().where(Contact.zip != "").order_by(Contact.id).first()
    made = []
    for state in ("pending", "error"):
        letter = Letter.create(
            model="contact", res_id=contact.id, contact=contact.id, author=user,
            subject=f"Letter {state}", document=documents.pdf(1), state=state,
            address=json.dumps(sending.contact_address(contact)),
        )  # fmt: skip
        tracking.follow(letter)
        made.append(f"/snailmail/letters/{letter.id}")
    return ["/snailmail/letters?state=all", f"/snailmail/compose/{contact.id}", *made]
