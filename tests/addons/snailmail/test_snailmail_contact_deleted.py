"""Deleting a contact a letter was sent to: the letter stays, with the
address it went to and its PDF; one not at the print shop yet keeps the
contact."""

from addons.snailmail.models import Letter
from host import Contact
from host.models import Message


def delete(client, contact):
    return client.post(f"/contacts/{contact.id}/delete")


def test_a_posted_letter_stays_readable(snailmail, user, user_client, contact, queue_letter):
    letter = queue_letter(author=user, state="sent", charged=2, provider="outbox")
    assert letter.chatter_message_id

    response = delete(user_client, contact)

    assert response.status_code == 302 and response.headers["Location"].endswith("/contacts")
    assert Contact.get_or_none(Contact.id == contact.id) is None
    kept = type(letter).get_by_id(letter.id)
    assert (kept.contact_id, kept.res_id, kept.chatter_message_id) == (None, None, None)
    assert (kept.state, kept.charged) == ("sent", letter.charged)
    assert not Message.select().where(Message.model == "contact", Message.res_id == contact.id)
    page = user_client.get(f"/snailmail/letters/{letter.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Letter to Marie Dubois" in text and "Rue Gheude 56" in text and "1070 Brussels" in text
    assert "Open the contact" not in text and f"/contacts/{contact.id}" not in text
    assert user_client.get(f"/snailmail/letters/{letter.id}/pdf").status_code == 200
    listed = user_client.get("/snailmail/letters?state=all")
    assert listed.status_code == 200 and "Marie Dubois" in listed.get_data(as_text=True)


def test_the_next_contact_does_not_inherit_the_letter(
    snailmail, user_client, contact, queue_letter
):
    letter = queue_letter(state="sent")
    assert delete(user_client, contact).status_code == 302
    # SQLite gives a deleted last row's id to the next row.
    newcomer = Contact.create(name="Jan Peeters")
    page = user_client.get(f"/contacts/{newcomer.id}").get_data(as_text=True)
    assert "Reminder" not in page and f"/snailmail/letters/{letter.id}" not in page


def test_a_letter_not_posted_yet_keeps_the_contact(
    snailmail, user, user_client, contact, queue_letter
):
    letter = queue_letter(author=user, state="pending")

    response = delete(user_client, contact)

    assert response.headers["Location"].endswith(f"/contacts/{contact.id}")
    assert Contact.get_by_id(contact.id).name == "Marie Dubois"
    assert type(letter).get_by_id(letter.id).contact_id == contact.id
    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marie Dubois was not deleted." in page
    assert (
        f"Letter #{letter.id} (Reminder) to Marie Dubois has not reached the print shop yet" in page
    )


def test_a_refused_letter_is_retried_to_the_address_it_kept(
    snailmail, user, user_client, contact, queue_letter, give_credits
):
    from addons.snailmail import sending

    letter = queue_letter(author=user)
    sending.send(letter.id)  # no credits: refused, kept in error
    assert type(letter).get_by_id(letter.id).state == "error"
    assert delete(user_client, contact).status_code == 302

    give_credits(5)
    assert user_client.post(f"/snailmail/letters/{letter.id}/retry").status_code == 302

    sent = type(letter).get_by_id(letter.id)
    assert (sent.state, sent.contact_id) == ("sent", None)
    assert sent.address_dict["street"] == "Rue Gheude 56" and sent.recipient == "Marie Dubois"


def test_a_contact_deleted_while_its_letter_is_composed(
    snailmail, user_client, contact, give_credits, monkeypatch
):
    import io
    import uuid

    from addons.snailmail import composer
    from host.contact_deletion import delete_contacts
    from tests.addons.snailmail import documents

    give_credits(5)
    quote = composer._quote

    def quote_then_delete(draft):  # the deletion lands between the checks and the save
        answer = quote(draft)
        delete_contacts([contact.id])
        return answer

    monkeypatch.setattr(composer, "_quote", quote_then_delete)
    response = user_client.post(
        f"/snailmail/compose/contact/{contact.id}/contact-sheet/send",
        data={
            "token": str(uuid.uuid4()),
            "mode": "upload",
            "document": (io.BytesIO(documents.pdf(1)), "letter.pdf"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 404
    assert "deleted meanwhile: no letter was sent" in response.get_data(as_text=True)
    assert not Letter.select().exists()


def test_snailmail_migration_3_forgets_contacts_deleted_before(app, snailmail, queue_letter):
    from tests.host.addon_kit import upgraded_from

    letter = queue_letter(state="sent")
    Contact.delete().execute()  # as the contact form deleted them before version 3
    with upgraded_from(app, "snailmail", 2) as version:
        assert version == 3
        kept = Letter.get_by_id(letter.id)
        assert (kept.res_id, kept.contact_id, kept.state) == (None, None, "sent")
