"""Deleting a contact that was texted: the SMS stay in the history, with the
name and number they went to; one still on its way keeps the contact."""

import json

from addons.sms import batches
from addons.sms.models import SmsBatch, SmsContactNumber, SmsMessage
from host import Contact
from host.models import Message
from tests.addons.sms.test_sms_compose import send, token_of


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


def test_a_failed_sms_is_resent_to_the_number_it_kept(sms, admin_client, contact, give_credits):
    give_credits(1)
    assert send(admin_client, contact, "Hello " * 40).status_code == 402  # two parts, one credit
    message = SmsMessage.get()
    assert (message.state, message.failure_type) == ("failed", "insufficient_credit")
    assert admin_client.post(f"/contacts/{contact.id}/delete").status_code == 302

    give_credits(5)
    resent = admin_client.post(f"/sms/messages/{message.id}/resend", headers={"Referer": "/sms/"})

    assert resent.status_code == 302
    kept = SmsMessage.get_by_id(message.id)
    assert (kept.state, kept.number, kept.contact_id) == ("delivered", "+32470123456", None)


def test_a_contact_deleted_while_its_sms_is_composed(
    sms, user_client, contact, give_credits, monkeypatch
):
    from addons.sms import recipients
    from host.contact_deletion import delete_contacts

    give_credits(5)
    check = recipients.check_recipient

    def check_then_delete(*args, **kwargs):  # the deletion lands between the checks and the save
        answer = check(*args, **kwargs)
        delete_contacts([contact.id])
        return answer

    token = token_of(user_client.get(f"/sms/compose/{contact.id}/mobile").get_data(as_text=True))
    monkeypatch.setattr(recipients, "check_recipient", check_then_delete)
    response = send(user_client, contact, "Hello", token=token)

    assert response.status_code == 404
    assert "deleted meanwhile: no SMS was sent" in response.get_data(as_text=True)
    assert not SmsMessage.select().exists()
    assert not Message.select().where(Message.kind == "sms").exists()


def test_texting_and_deleting_the_same_contacts_at_once(app, sms, user, give_credits, database_url):
    """Two processes: one texts each contact, the other deletes it. Each SMS
    is sent or answered 404, each deletion done or refused, never a 500,
    and nothing is left pointing at a deleted contact."""
    import multiprocessing

    from tests.addons.sms import workers

    give_credits(100)
    ids = [
        Contact.create(name=f"P{i:02d}", mobile=f"+32 470 40 00 {i:02d}", country="BE").id
        for i in range(30)
    ]
    app.extensions["host_db"].close()
    spawn = multiprocessing.get_context("spawn")
    queue = spawn.Queue()
    procs = [
        spawn.Process(target=target, args=(database_url, user.email, ids, queue))
        for target in (workers.text_each, workers.delete_each)
    ]
    for proc in procs:
        proc.start()
    done = dict(
        (kind, (answers, errors))
        for kind, answers, errors in (queue.get(timeout=240) for _ in procs)
    )
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0

    texted, text_errors = done["text"]
    deleted, delete_errors = done["delete"]
    assert (text_errors, delete_errors) == ([], [])
    assert {(get, post) for _, get, post in texted} <= {(200, 200), (200, 404), (404, None)}
    assert {status for _, status, _ in deleted} == {302}
    left = {c.id for c in Contact.select()}
    for contact_id, _, location in deleted:
        assert (contact_id in left) == location.endswith(f"/contacts/{contact_id}")
    gone = set(ids) - left
    assert not Message.select().where(Message.model == "contact", Message.res_id.in_(gone)).exists()
    for message in SmsMessage.select():
        assert message.contact_id is None or message.contact_id in left
        assert message.state in ("sent", "delivered")
    assert SmsMessage.select().count() == sum(post == 200 for _, _, post in texted)
