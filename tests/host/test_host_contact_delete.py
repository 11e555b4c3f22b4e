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


# -- the list's bulk Delete ------------------------------------------------


def test_the_list_offers_a_bulk_delete(user_client, contact):
    page = user_client.get("/contacts").get_data(as_text=True)
    assert 'formaction="/contacts/delete" data-action="delete"' in page


def test_bulk_delete_of_the_selected_contacts(user_client, contact):
    kept = Contact.create(name="Jan Peeters")
    gone = Contact.create(name="Lukas Schmidt")
    post_message(gone, "Bye.", kind="note")

    response = user_client.post("/contacts/delete", data={"ids": [contact.id, gone.id, "junk"]})

    assert response.headers["Location"].endswith("/contacts")
    page = user_client.get("/contacts").get_data(as_text=True)
    assert flashes(page) == ["2 contacts deleted."]
    assert [c.id for c in Contact.select()] == [kept.id]
    assert not Message.select().where(Message.res_id == gone.id).exists()


def test_bulk_delete_of_every_contact_matching_the_search(user_client, contact):
    Contact.create(name="Jan Peeters", city="Ghent")
    response = user_client.post("/contacts/delete", data={"all": "1", "q": "Brussels"})
    assert response.headers["Location"].endswith("/contacts")
    assert [c.name for c in Contact.select()] == ["Jan Peeters"]


def test_bulk_delete_with_nothing_selected(user_client, contact):
    response = user_client.post("/contacts/delete", data={"q": "Brussels"})
    assert response.headers["Location"].endswith("/contacts?q=Brussels")
    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page) == ["Select the contacts to delete."]
    assert Contact.select().count() == 1


@pytest.mark.parametrize("host_config", [kit_config(holder)])
def test_bulk_delete_refused_for_one_deletes_none(app, enable, user_client):
    enable("holder")
    free = Contact.create(name="Jan Peeters")
    held = [Contact.create(name=f"Held {i}", city="Held") for i in range(2)]

    response = user_client.post("/contacts/delete", data={"ids": [free.id, *(c.id for c in held)]})

    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page) == ["No contact was deleted. Held 0 is held. Held 1 is held."]
    assert Contact.select().count() == 3


@pytest.mark.parametrize("host_config", [kit_config(holder)])
def test_many_contacts_go_in_one_deletion(app, enable, user_client, monkeypatch):
    from host import contact_deletion

    monkeypatch.setattr(contact_deletion, "CHUNK", 7)  # several chunks without 10,000 rows
    enable("holder")
    people = [Contact.create(name=f"Person {i:02d}") for i in range(20)]
    Contact.update(city="Held").where(Contact.id == people[-1].id).execute()
    with pytest.raises(ContactInUse):
        delete_contacts([p.id for p in people])
    assert Contact.select().count() == 20  # the refusal in the last chunk kept the first ones
    Contact.update(city="").execute()
    assert delete_contacts([p.id for p in people]) == 20
    assert [ids for kind, ids in seen if kind == "deleting"] == [
        [p.id for p in people[i : i + 7]] for i in range(0, 20, 7)
    ]


def test_a_refusal_says_ten_reasons_and_counts_the_rest():
    refused = ContactInUse([f"Reason {i}." for i in range(12)])
    assert str(refused) == " ".join(f"Reason {i}." for i in range(10)) + " And 2 more."
    assert len(refused.reasons) == 12
