"""Deleting a contact that was texted: the SMS stay in the history, with the
name and number they went to; one still on its way keeps the contact."""

import json

from addons.sms import batches
from addons.sms.models import SmsBatch, SmsContactNumber, SmsMessage
from host import Contact
from host.models import Message
from tests.addons.sms.test_sms_compose import send


def delete(client, contact):
    return client.post(f"/contacts/{contact.id}/delete")


def test_a_sent_sms_stays_in_the_history(sms, user_client, admin_client, contact, give_credits):
    give_credits(10)
    send(user_client, contact, "Your order is ready.")
    message = SmsMessage.get()
    assert message.state == "delivered" and message.chatter_message_id

    response = delete(user_client, contact)

    assert response.status_code == 302 and response.headers["Location"].endswith("/contacts")
    assert Contact.get_or_none(Contact.id == contact.id) is None
    kept = SmsMessage.get_by_id(message.id)
    assert (kept.contact_id, kept.chatter_message_id) == (None, None)
    assert (kept.state, kept.charged) == ("delivered", message.charged)
    assert not Message.select().where(Message.model == "contact", Message.res_id == contact.id)
    assert not SmsContactNumber.select().where(SmsContactNumber.contact == contact.id)
    history = admin_client.get("/sms/?state=all")
    page = history.get_data(as_text=True)
    assert history.status_code == 200
    assert f'data-message="{message.id}" data-state="delivered"' in page
    assert "Marie Dubois" in page and "+32 470 12 34 56" in page
    assert f"/contacts/{contact.id}" not in page


def test_a_mass_sms_keeps_its_recipients(sms, user, user_client, contact, give_credits):
    give_credits(10)
    batch = batches.draft([contact.id], user)
    batches.start(batch, "Closed on Monday.", log_chatter=True, author=user)
    assert SmsMessage.get().state == "delivered"

    assert delete(user_client, contact).status_code == 302

    page = user_client.get(f"/sms/batches/{batch.id}")
    assert page.status_code == 200
    assert "Marie Dubois" in page.get_data(as_text=True)
    assert SmsMessage.get().contact_id is None


def test_a_draft_forgets_the_deleted_contact(sms, user, user_client, contact):
    other = Contact.create(name="Jan Peeters", mobile="+32 470 11 11 11", country="BE")
    draft = batches.draft([contact.id, other.id], user)

    assert delete(user_client, contact).status_code == 302

    # SQLite may give the id to the next contact: the draft must not take it in.
    assert json.loads(SmsBatch.get_by_id(draft.id).contact_ids) == [other.id]
    assert user_client.get(f"/sms/batches/{draft.id}").status_code == 200


def test_an_sms_on_its_way_keeps_the_contact(sms, user_client, contact):
    SmsMessage.create(
        contact=contact.id, recipient_name="Marie Dubois", number="+32470123456",
        body="Hello", state="in_queue",
    )  # fmt: skip

    response = delete(user_client, contact)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/contacts/{contact.id}")
    assert Contact.get_by_id(contact.id).name == "Marie Dubois"
    assert SmsMessage.get().contact_id == contact.id
    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marie Dubois was not deleted." in page
    assert "An SMS to Marie Dubois (+32470123456) is still being sent" in page


def test_the_bulk_delete_is_refused_for_an_sms_on_its_way(sms, user_client, contact):
    other = Contact.create(name="Jan Peeters", mobile="+32 470 11 11 11", country="BE")
    SmsMessage.create(
        contact=contact.id, recipient_name="Marie Dubois", number="+32470123456",
        body="Hello", state="processing",
    )  # fmt: skip

    response = user_client.post("/contacts/delete", data={"ids": [contact.id, other.id]})

    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No contact was deleted. An SMS to Marie Dubois (+32470123456)" in page
    assert Contact.select().count() == 2
