"""Deleting a contact: its chatter goes with it, addons refuse
(``contact_delete_blockers``) or unlink their records (``contacts_deleting``)
in the same transaction, and a refusal deletes nothing."""

import pytest

from host import Contact, post_message
from host.contact_deletion import ContactInUse, delete_contacts
from host.models import Attachment, Message
from tests.host.addon_kit import flashes, kit_config, make_addon

seen: list[tuple[str, list[int]]] = []


def _blockers(ids):
    seen.append(("blockers", list(ids)))
    held = Contact.select().where(Contact.id.in_(ids) & (Contact.city == "Held"))
    return [f"{c.name} is held." for c in held]


def _deleting(ids):
    seen.append(("deleting", list(ids)))
    if Contact.select().where(Contact.id.in_(ids) & (Contact.city == "Broken")).exists():
        raise RuntimeError("cannot unlink")


holder = make_addon("holder", contact_delete_blockers=_blockers, contacts_deleting=_deleting)


@pytest.fixture(autouse=True)
def _forget_calls():
    seen.clear()


def test_the_chatter_goes_with_the_contact(user_client, contact):
    note = post_message(contact, "Called about the invoice.", kind="note")
    Attachment.create(
        model="contact", res_id=contact.id, message=note.id, filename="a.txt", data=b"x"
    )
    Attachment.create(model="contact", res_id=contact.id, filename="b.txt", data=b"y")

    response = user_client.post(f"/contacts/{contact.id}/delete")

    assert response.status_code == 302 and response.headers["Location"].endswith("/contacts")
    assert not Message.select().where(Message.model == "contact", Message.res_id == contact.id)
    assert not Attachment.select().where(Attachment.model == "contact")
    # SQLite gives a deleted last row's id to the next row: the newcomer
    # must not show the old contact's chatter.
    newcomer = Contact.create(name="Jan Peeters")
    page = user_client.get(f"/contacts/{newcomer.id}").get_data(as_text=True)
    assert "Called about the invoice." not in page


def test_another_record_with_the_same_id_keeps_its_chatter(user_client, contact):
    post_message(model="lead", res_id=contact.id, body="A lead's note.", kind="note")
    assert user_client.post(f"/contacts/{contact.id}/delete").status_code == 302
    assert Message.get().body == "A lead's note."


@pytest.mark.parametrize("host_config", [kit_config(holder)])
def test_a_blocker_refuses_with_its_reasons_and_deletes_nothing(app, enable, user_client):
    enable("holder")
    held = Contact.create(name="Marie Dubois", city="Held")
    post_message(held, "Keep me.", kind="note")

    response = user_client.post(f"/contacts/{held.id}/delete")

    assert response.headers["Location"].endswith(f"/contacts/{held.id}")
    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page) == ["Marie Dubois was not deleted. Marie Dubois is held."]
    assert Contact.get_by_id(held.id).name == "Marie Dubois"
    assert Message.get().body == "Keep me."
    assert seen == [("blockers", [held.id])]


@pytest.mark.parametrize("host_config", [kit_config(holder)])
def test_every_installed_addon_is_asked_even_disabled(app, enable, user_client):
    enable("holder")
    app.extensions["host"].disable("holder")
    app.extensions["host"].forget_cache()
    free = Contact.create(name="Jan Peeters")

    assert user_client.post(f"/contacts/{free.id}/delete").status_code == 302

    assert seen == [("blockers", [free.id]), ("deleting", [free.id])]
    assert Contact.get_or_none(Contact.id == free.id) is None


@pytest.mark.parametrize("host_config", [kit_config(holder)])
def test_an_addon_that_fails_to_unlink_undoes_the_deletion(app, enable):
    enable("holder")
    broken = Contact.create(name="Marie Dubois", city="Broken")
    other = Contact.create(name="Jan Peeters")
    post_message(broken, "Keep me.", kind="note")

    with pytest.raises(RuntimeError, match="cannot unlink"):
        delete_contacts([broken.id, other.id])

    assert Contact.select().count() == 2 and Message.get().body == "Keep me."


@pytest.mark.parametrize("host_config", [kit_config(holder)])
def test_one_held_contact_keeps_the_others(app, enable):
    enable("holder")
    held = Contact.create(name="Marie Dubois", city="Held")
    free = Contact.create(name="Jan Peeters")

    with pytest.raises(ContactInUse) as refused:
        delete_contacts([free.id, held.id, 10**9])

    assert refused.value.reasons == ["Marie Dubois is held."]
    assert Contact.select().count() == 2
    assert delete_contacts([free.id, 10**9]) == 1


def test_a_contact_already_gone_answers_404(user_client, contact):
    assert user_client.post(f"/contacts/{contact.id}/delete").status_code == 302
    assert user_client.post(f"/contacts/{contact.id}/delete").status_code == 404
