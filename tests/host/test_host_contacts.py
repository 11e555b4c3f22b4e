"""Contacts: the form, its validation, search, paging, bulk actions and the chatter."""

import html as html_lib

import pytest
from flask import Blueprint, jsonify
from werkzeug.http import parse_options_header

from host import (
    BulkAction,
    Contact,
    post_message,
    post_messages,
    selected_contacts,
    set_message_state,
)
from host.models import Attachment, Message, Setting
from tests.host.addon_kit import kit_config, make_addon, page_ids

VALID = {
    "name": "Jan de Vries",
    "company_name": "Fietsen BV",
    "email": "jan@fietsen.example",
    "phone": "+31 20 123 4567",
    "city": "Amsterdam",
    "country": "NL",
    "vat": "NL004495445B01",
    "website": "fietsen.example",
}


def _bulk_blueprint():
    bp = Blueprint("bulk", __name__)

    @bp.route("/tag", methods=["POST"])
    def tag():
        return jsonify(names=[c.name for c in selected_contacts()])

    return bp


def _bulk_actions(model):
    if model != "contact":
        return []
    return [BulkAction(id="tag", label="Tag", url="/bulk/tag", icon="🏷")]


saved: list[tuple[str, list[int]]] = []


def _remember_saved(model, ids):
    saved.append((model, ids))


def _broken_records_saved(model, ids):
    raise RuntimeError("derived data unavailable")


@pytest.fixture
def host_config():
    bulk = make_addon(
        "bulk",
        list_bulk_actions=_bulk_actions,
        register_blueprints=lambda: [_bulk_blueprint()],
        records_saved=_remember_saved,
    )
    broken = make_addon("brokensave", records_saved=_broken_records_saved)
    saved.clear()
    return kit_config(bulk, broken)


def _names(client, **query) -> list[str]:
    html = client.get("/contacts", query_string=query).get_data(as_text=True)
    return sorted(Contact.get_by_id(i).name for i in page_ids(html))


# -- the form --------------------------------------------------------------


def test_create_contact_through_the_form(user_client, user):
    response = user_client.post("/contacts/new", data=VALID)
    assert response.status_code == 302
    saved = Contact.get(Contact.name == "Jan de Vries")
    assert response.headers["Location"] == f"/contacts/{saved.id}"
    assert (saved.email, saved.city, saved.country) == ("jan@fietsen.example", "Amsterdam", "NL")
    assert saved.vat == "NL004495445B01"
    assert saved.website == "https://fietsen.example"
    log = Message.get((Message.model == "contact") & (Message.res_id == saved.id))
    assert (log.kind, log.body, log.author_id) == ("log", "Contact created.", user.id)
    assert "Jan de Vries saved." in user_client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_records_saved_reaches_enabled_addons_after_the_save(user_client, enable, contact):
    user_client.post("/contacts/new", data=VALID)
    assert saved == []  # the addon is not enabled: it is not told
    enable("bulk")
    enable("brokensave")
    response = user_client.post("/contacts/new", data={**VALID, "name": "Eva Peeters"})
    # An addon that fails on the event does not undo the save.
    assert response.status_code == 302
    created = Contact.get(Contact.name == "Eva Peeters")
    user_client.post(f"/contacts/{contact.id}", data={**VALID, "name": contact.name})
    assert saved == [("contact", [created.id]), ("contact", [contact.id])]
    invalid = user_client.post(f"/contacts/{contact.id}", data={**VALID, "email": "nope"})
    assert invalid.status_code == 422 and len(saved) == 2  # nothing saved, nothing told
    errors = user_client.application.extensions["host"].get("brokensave").runtime_errors
    assert errors and "records_saved" in errors[0]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "A contact needs a name."),
        ("name", "   ", "A contact needs a name."),
        ("email", "jan-at-example", "Enter an email such as jane@example.com."),
        ("vat", "BE0000000000", "This VAT number is not valid"),
        ("country", "XX", "'XX' is not an ISO 3166 country code."),
        ("name", "N" * 129, "Field cannot be longer than 128 characters."),
        ("city", "C" * 65, "Field cannot be longer than 64 characters."),
        ("phone", "1" * 33, "Field cannot be longer than 32 characters."),
        ("website", "not a website", "Enter a website such as https://example.com."),
        ("website", "javascript:alert(1)", "Enter a website such as https://example.com."),
        ("mobile", "abc123", "This is not a valid phone number of Netherlands"),
        ("phone", "+32 12", "This is not a valid phone number of Netherlands"),
    ],
)
def test_invalid_contact_is_refused_and_not_saved(field, value, message, user_client):
    response = user_client.post("/contacts/new", data={**VALID, field: value})
    assert response.status_code == 422
    html = html_lib.unescape(response.get_data(as_text=True))
    assert "The contact was not saved" in html
    assert message in html
    assert Contact.select().count() == 0
    assert Message.select().count() == 0


@pytest.mark.parametrize(
    "country, typed, kept",
    [
        ("BE", "0470 12 34 56", "+32 470 12 34 56"),  # the contact's country reads it
        ("FR", "06 12 34 56 78", "+33 6 12 34 56 78"),
        ("FR", "+32 2 555 12 34", "+32 2 555 12 34"),  # a +code wins over the country
        ("", "0470123456", "+32 470 12 34 56"),  # no country: the company's (BE)
    ],
)
def test_phone_numbers_are_kept_in_international_format(country, typed, kept, user_client):
    Setting.write("company_country", "BE")
    data = {**VALID, "country": country, "mobile": typed, "phone": ""}
    assert user_client.post("/contacts/new", data=data).status_code == 302
    assert Contact.get().mobile == kept


def test_invalid_edit_changes_nothing(user_client, contact):
    response = user_client.post(
        f"/contacts/{contact.id}", data={"name": "Marie", "email": "not-an-email"}
    )
    assert response.status_code == 422
    again = Contact.get_by_id(contact.id)
    assert (again.name, again.email) == ("Marie Dubois", "marie@example.com")
    assert Message.select().count() == 0


def test_edit_posts_a_chatter_log(user_client, user, contact):
    form = {
        "name": contact.name,
        "email": contact.email,
        "mobile": contact.mobile,
        "city": "Ghent",
        "country": "BE",
    }
    assert user_client.post(f"/contacts/{contact.id}", data=form).status_code == 302
    assert Contact.get_by_id(contact.id).city == "Ghent"
    logs = list(Message.select().where(Message.res_id == contact.id))
    assert [(m.kind, m.body, m.author_id) for m in logs] == [("log", "Contact updated.", user.id)]
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Contact updated." in page


def test_unknown_contact_is_404(user_client):
    assert user_client.get("/contacts/999999").status_code == 404
    assert user_client.post("/contacts/999999", data=VALID).status_code == 404
    assert Contact.select().count() == 0


def test_delete_contact(user_client, contact):
    assert user_client.post(f"/contacts/{contact.id}/delete").status_code == 302
    assert Contact.get_or_none(Contact.id == contact.id) is None


# -- list, search and paging -----------------------------------------------


@pytest.fixture
def people(app):
    rows = [
        ("Marie Dubois", "+32 2 111 11 11", "Brussels"),
        ("Jan de Vries", "+31 20 123 4567", "Amsterdam"),
        ("Lukas Schmidt", "+49 30 1234567", "Berlin"),
        ("Sophie Peeters", "0471 23 45 67", "Antwerp"),
    ]
    return [Contact.create(name=n, phone=p, city=c) for n, p, c in rows]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("schmidt", ["Lukas Schmidt"]),
        ("123", ["Jan de Vries", "Lukas Schmidt"]),
        ("0471", ["Sophie Peeters"]),
        ("brussels", ["Marie Dubois"]),
        ("ANTWERP", ["Sophie Peeters"]),
        ("nobody at all", []),
        ("", ["Jan de Vries", "Lukas Schmidt", "Marie Dubois", "Sophie Peeters"]),
    ],
)
def test_search_by_name_phone_and_city(q, expected, user_client, people):
    assert _names(user_client, q=q) == expected


def test_search_treats_sql_wildcards_as_text(user_client, people):
    assert _names(user_client, q="%") == []
    assert _names(user_client, q="'; DROP TABLE host_contact; --") == []
    assert Contact.select().count() == len(people)


def test_list_is_paged_by_fifty(user_client):
    Contact.insert_many([{"name": f"Contact {i:03d}"} for i in range(57)]).execute()
    first = user_client.get("/contacts").get_data(as_text=True)
    second = user_client.get("/contacts", query_string={"page": 2}).get_data(as_text=True)
    assert len(page_ids(first)) == 50 and len(page_ids(second)) == 7
    everyone = {c.id for c in Contact.select()}
    assert set(page_ids(first)) | set(page_ids(second)) == everyone
    assert not set(page_ids(first)) & set(page_ids(second))
    assert "57 contacts" in first and "Page 1 / 2" in first and "page=2" in first
    assert "Page 2 / 2" in second and "page=1" in second
    for bad in ("0", "-3", "abc"):
        page = user_client.get("/contacts", query_string={"page": bad}).get_data(as_text=True)
        assert page_ids(page) == page_ids(first)


# -- bulk actions ----------------------------------------------------------


def test_bulk_action_of_an_addon_receives_the_selected_ids(user_client, enable, people):
    assert 'data-action="tag"' not in user_client.get("/contacts").get_data(as_text=True)
    enable("bulk")
    html = user_client.get("/contacts").get_data(as_text=True)
    assert 'formaction="/bulk/tag" data-action="tag"' in html
    chosen = [people[0].id, people[2].id]
    response = user_client.post("/bulk/tag", data={"ids": [*chosen, "junk", "²", "-1", "9" * 40]})
    assert response.get_json() == {"names": ["Lukas Schmidt", "Marie Dubois"]}


def test_bulk_action_on_every_contact_matching_the_search(user_client, enable, people):
    enable("bulk")
    # ``all=1`` wins over the ids of the page: the action takes the whole search.
    response = user_client.post("/bulk/tag", data={"all": "1", "q": "123", "ids": [people[0].id]})
    assert response.get_json() == {"names": ["Jan de Vries", "Lukas Schmidt"]}
    response = user_client.post("/bulk/tag", data={"all": "1", "q": ""})
    assert len(response.get_json()["names"]) == len(people)


def test_selected_contacts_reads_the_request(app, people):
    with app.test_request_context("/x", method="POST", data={"all": "1", "q": "Brussels"}):
        assert [c.name for c in selected_contacts()] == ["Marie Dubois"]
    with app.test_request_context("/x", query_string={"ids": [people[3].id, people[1].id]}):
        assert [c.name for c in selected_contacts()] == ["Jan de Vries", "Sophie Peeters"]
    with app.test_request_context("/x"):
        assert list(selected_contacts()) == []


# -- chatter ---------------------------------------------------------------


def test_post_a_note_in_the_chatter(user_client, user, contact):
    response = user_client.post(
        f"/chatter/contact/{contact.id}",
        data={"body": " Called her "},
        headers={"Referer": f"http://localhost/contacts/{contact.id}"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"http://localhost/contacts/{contact.id}"
    note = Message.get((Message.model == "contact") & (Message.res_id == contact.id))
    assert (note.kind, note.body, note.author_id) == ("note", "Called her", user.id)
    thread = user_client.get(f"/chatter/contact/{contact.id}").get_data(as_text=True)
    assert "Called her" in thread and user.name in thread


def test_note_posted_by_fetch_returns_the_thread(user_client, contact):
    response = user_client.post(
        f"/chatter/contact/{contact.id}",
        data={"body": "Quick note"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    assert f'data-message-id="{Message.get().id}"' in response.get_data(as_text=True)


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 10001])
def test_empty_or_huge_note_is_refused(body, user_client, contact):
    response = user_client.post(f"/chatter/contact/{contact.id}", data={"body": body})
    assert response.status_code == 400
    assert Message.select().count() == 0


def test_post_message_with_attachments_and_download(user_client, contact):
    pdf = b"%PDF-1.4 fake invoice \x00\xff"
    message = post_message(
        contact,
        "Invoice received",
        kind="log",
        attachments=[
            ("invoice.pdf", "application/pdf", pdf),
            ("notes.txt", "text/plain", b"hello"),
        ],
    )
    files = list(Attachment.select().where(Attachment.message == message).order_by(Attachment.id))
    assert [(a.filename, a.size, a.model, a.res_id) for a in files] == [
        ("invoice.pdf", len(pdf), "contact", contact.id),
        ("notes.txt", 5, "contact", contact.id),
    ]
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f'href="/attachments/{files[0].id}"' in page and "invoice.pdf" in page
    download = user_client.get(f"/attachments/{files[0].id}")
    assert download.status_code == 200
    assert download.data == pdf
    assert download.mimetype == "application/pdf"
    disposition = parse_options_header(download.headers["Content-Disposition"])
    assert disposition == ("inline", {"filename": "invoice.pdf"})
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert user_client.get("/attachments/999999").status_code == 404


def test_attachment_names_are_safe_in_headers(user_client, contact):
    message = post_message(
        contact,
        "Scan",
        attachments=[
            ('fac"ture\r\n été €.pdf', "application/pdf", b"%PDF"),
        ],
    )
    row = Attachment.get(Attachment.message == message)
    download = user_client.get(f"/attachments/{row.id}")
    assert download.status_code == 200 and download.data == b"%PDF"
    header = download.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert parse_options_header(header)[1]["filename"] == 'fac"ture été €.pdf'


def test_attachment_that_a_browser_would_run_is_downloaded_not_shown(user_client, contact):
    message = post_message(
        contact,
        "Upload",
        attachments=[
            ("page.html", "text/html", b"<script>alert(document.cookie)</script>"),
            ("logo.svg", "image/svg+xml", b"<svg onload='alert(1)'/>"),
            ("scan.png", "image/png", b"\x89PNG"),
        ],
    )
    rows = {a.filename: a for a in Attachment.select().where(Attachment.message == message)}
    for name in ("page.html", "logo.svg"):
        download = user_client.get(f"/attachments/{rows[name].id}")
        assert download.headers["Content-Disposition"].startswith("attachment"), name
    shown = user_client.get(f"/attachments/{rows['scan.png'].id}")
    assert shown.headers["Content-Disposition"].startswith("inline")


def test_post_message_needs_a_target_and_a_known_state(contact):
    with pytest.raises(ValueError, match="needs a record"):
        post_message(body="orphan")
    with pytest.raises(ValueError, match="unknown message state 'lost'"):
        post_message(contact, "x", state="lost")
    assert Message.select().count() == 0
    message = post_message(
        model="contact", res_id=str(contact.id), body="by name", state="in_queue", meta={"sms": 1}
    )
    assert (message.res_id, message.meta_dict) == (contact.id, {"sms": 1})


def test_set_message_state(user_client, contact):
    message = post_message(contact, "SMS to Marie", kind="sms", state="in_queue")
    set_message_state(message.id, "failed", "Number unreachable " + "x" * 300)
    again = Message.get_by_id(message.id)
    assert again.state == "failed" and again.state_detail.startswith("Number unreachable")
    assert len(again.state_detail) == 255
    thread = user_client.get(f"/chatter/contact/{contact.id}").get_data(as_text=True)
    assert 'data-state="failed"' in thread and "Number unreachable" in thread
    with pytest.raises(ValueError, match="unknown message state 'exploded'"):
        set_message_state(message.id, "exploded")
    assert Message.get_by_id(message.id).state == "failed"


def test_chatter_of_unknown_records_is_404(admin_client, contact):
    assert admin_client.get("/chatter/contact/999999").status_code == 404
    assert admin_client.post("/chatter/nothing/1", data={"body": "hi"}).status_code == 404
    assert admin_client.get(f"/chatter/contact/{contact.id}").status_code == 200


def test_set_messages_state_moves_several_messages_at_once(app, contact):
    from host import post_message, set_messages_state
    from host.models import Message

    first = post_message(contact, "one", kind="sms", state="in_queue")
    second = post_message(contact, "two", kind="sms", state="in_queue")
    other = post_message(contact, "three", kind="sms", state="in_queue")
    assert set_messages_state([first.id, second.id, None], "sent") == 2
    states = {m.body: m.state for m in Message.select()}
    assert states == {"one": "sent", "two": "sent", "three": "in_queue"}
    assert Message.get_by_id(other.id).state == "in_queue"
    with pytest.raises(ValueError, match="unknown message state"):
        set_messages_state([first.id], "teleported")


def test_post_messages_logs_many_at_once(app, user, people):
    entries = [
        {
            "model": "contact",
            "res_id": person.id,
            "body": f"Hello {person.name}",
            "kind": "sms",
            "author": user,
            "state": "in_queue" if i else "failed",
            "state_detail": "" if i else "Blacklisted",
            "meta": {"n": i},
        }
        for i, person in enumerate(people)
    ]
    created = post_messages(entries)
    assert sorted(res_id for _, _, res_id in created) == sorted(p.id for p in people)
    for message_id, model, res_id in created:
        message = Message.get_by_id(message_id)
        person = Contact.get_by_id(res_id)
        assert (model, message.model) == ("contact", "contact")
        assert message.body == f"Hello {person.name}"
        assert message.author_id == user.id and message.created_at is not None
    first = Message.get(Message.res_id == people[0].id)
    assert (first.state, first.state_detail, first.meta) == ("failed", "Blacklisted", '{"n": 0}')
    with pytest.raises(ValueError, match="unknown message state"):
        post_messages([{"model": "contact", "res_id": people[0].id, "state": "lost"}])
    assert post_messages([]) == []
