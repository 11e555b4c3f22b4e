"""Access groups per addon: declared on the manifest, assigned on the Users
page, checked before every view of the addon, and the buttons a user may not
follow are not shown; a state-filtered list counts only what the user may see."""

import pytest

from host import ChatterModel, Manifest, has_group
from host.access import Group, set_group, user_levels
from host.manifest import AddonError
from host.testing import log_in, make_user
from tests.host import notes_addon
from tests.host.notes_addon import TeamNote


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = ()
    host_config["HOST_EXTRA_ADDONS"] = [notes_addon]
    return host_config


@pytest.fixture
def notes(app, enable, admin, user):
    enable("notes")
    other = make_user("other@example.com", name="Other")
    return {
        "mine": TeamNote.create(text="mine", author=user),
        "theirs": TeamNote.create(text="theirs", author=other),
        "other": other,
    }


def test_manifest_refuses_a_default_group_it_does_not_declare():
    with pytest.raises(AddonError, match="default_group"):
        Manifest(name="bad", title="Bad", groups=(Group("user", "User"),), default_group="boss")
    with pytest.raises(AddonError, match="unique"):
        Manifest(name="bad", title="Bad", groups=(Group("user", "U"), Group("user", "V")))


def test_defaults_admin_has_every_group_user_the_default(notes, admin, user):
    assert has_group("notes.manager", admin) and has_group("notes.user", admin)
    assert has_group("notes.user", user) and not has_group("notes.manager", user)
    assert user_levels(user) == {"notes": "user"}


def test_a_group_of_a_disabled_addon_is_nobodys(app, admin):
    assert not has_group("notes.user", admin)


def test_user_sees_only_their_own_records(notes, user_client):
    assert user_client.get("/notes/").text == "note:mine"
    assert user_client.get(f"/notes/{notes['mine'].id}").status_code == 200
    assert user_client.get(f"/notes/{notes['theirs'].id}").status_code == 404
    assert user_client.post(f"/notes/{notes['theirs'].id}/delete").status_code == 404
    assert TeamNote.get_or_none(TeamNote.id == notes["theirs"].id) is not None


def test_manager_sees_all(notes, user, user_client):
    set_group(user, "notes", "manager")
    assert user_client.get("/notes/").text == "note:mine\nnote:theirs"
    assert user_client.get(f"/notes/{notes['theirs'].id}").status_code == 200
    assert user_client.post(f"/notes/{notes['theirs'].id}/pin").status_code == 302
    assert TeamNote.get_by_id(notes["theirs"].id).pinned


def test_user_without_the_manager_group_gets_403(notes, user_client):
    response = user_client.post(f"/notes/{notes['mine'].id}/pin")
    assert response.status_code == 403
    assert "Team Notes: Manager" in response.text
    assert not TeamNote.get_by_id(notes["mine"].id).pinned


def test_no_access_means_403_on_every_view_and_no_buttons(notes, user, user_client, contact):
    set_group(user, "notes", "")
    assert user_client.get("/notes/").status_code == 403
    assert user_client.get(f"/notes/{notes['mine'].id}").status_code == 403
    assert user_client.post(f"/notes/{notes['mine'].id}/delete").status_code == 403
    assert TeamNote.get_or_none(TeamNote.id == notes["mine"].id) is not None
    home = user_client.get("/").text
    assert "Team Notes" not in home
    form = user_client.get(f"/contacts/{contact.id}").text
    assert "Team notes" not in form


def test_buttons_follow_the_group(notes, user, user_client, admin_client, contact):
    form = user_client.get(f"/contacts/{contact.id}").text
    assert "Team notes" in form and "Pin a note" not in form
    assert "Pin a note" in admin_client.get(f"/contacts/{contact.id}").text


def test_admin_assigns_groups_on_the_users_page(notes, user, admin_client):
    page = admin_client.get("/users")
    assert "Team Notes: User" in page.text
    form = admin_client.get(f"/users/{user.id}/access")
    assert 'name="group-notes" value="manager"' in form.text
    response = admin_client.post(f"/users/{user.id}/access", data={"group-notes": "manager"})
    assert response.status_code == 302
    assert user_levels(user) == {"notes": "manager"}
    response = admin_client.post(f"/users/{user.id}/access", data={"group-notes": "boss"})
    assert response.status_code == 422 and "is not a group" in response.text
    assert user_levels(user) == {"notes": "manager"}
    admin_client.post(f"/users/{user.id}/access", data={"group-notes": ""})
    assert user_levels(user) == {"notes": ""}


def test_only_admins_assign_groups(notes, user, user_client):
    assert user_client.get(f"/users/{user.id}/access").status_code == 403
    assert (
        user_client.post(f"/users/{user.id}/access", data={"group-notes": "manager"}).status_code
        == 403
    )
    assert user_levels(user) == {"notes": "user"}


def test_access_form_refuses_a_missing_csrf_token(notes, user, admin_client):
    response = admin_client.post(
        f"/users/{user.id}/access", data={"group-notes": "manager"}, csrf=False
    )
    assert response.status_code == 400
    assert user_levels(user) == {"notes": "user"}


def test_unknown_user_is_404(notes, admin_client):
    assert admin_client.get("/users/999999/access").status_code == 404
    assert admin_client.get(f"/users/{2**70}/access").status_code == 404


def test_a_second_client_logged_in_as_another_user(app, notes):
    other_client = log_in(app.test_client(), notes["other"])
    assert other_client.get("/notes/").text == "note:theirs"


def test_a_group_given_during_a_request_counts_at_once_in_it(app, notes, user):
    from flask import request

    from host.access import can_reach

    with app.test_request_context("/"):
        request.environ.setdefault("iap_host.cache", {})["user"] = user  # as the session does
        assert not can_reach("notes.pin")
        assert not can_reach("notes.pin")  # answered from the request's memo
        set_group(user, "notes", "manager")
        assert can_reach("notes.pin")


def test_a_chatter_declared_on_the_manifest_follows_the_owner(notes, user, user_client):
    assert user_client.get(f"/chatter/notes.note/{notes['mine'].id}").status_code == 200
    assert user_client.get(f"/chatter/notes.note/{notes['theirs'].id}").status_code == 404
    set_group(user, "notes", "manager")
    assert user_client.get(f"/chatter/notes.note/{notes['theirs'].id}").status_code == 200


def test_a_chatter_model_needs_owner_and_see_all_together():
    with pytest.raises(ValueError, match="together"):
        ChatterModel("notes.note", TeamNote, owner=TeamNote.author)
    with pytest.raises(AddonError, match="ChatterModel"):
        Manifest(name="bad", title="Bad", chatter=(TeamNote,))


# -- state_list: a list page's tabs count only what the user may see --------------


@pytest.fixture
def tabbed_notes(app, enable, admin, user):
    enable("notes")
    other = make_user("other@example.com", name="Other")
    for text, state, author in [
        ("a", "open", user),
        ("b", "waiting", user),
        ("cx", "done", user),
        ("dx", "open", user),
        ("e", "open", other),
        ("f", "done", other),
    ]:
        TeamNote.create(text=text, state=state, author=author)


def test_counts_are_the_users_own_records(tabbed_notes, user_client):
    listed = user_client.get("/notes/tabs").json
    assert listed["counts"] == {"all": 4, "todo": 3, "done": 1}
    assert listed["state"] == "all" and listed["total"] == 4


def test_a_manager_counts_everyones(tabbed_notes, user, user_client):
    set_group(user, "notes", "manager")
    assert user_client.get("/notes/tabs").json["counts"] == {"all": 6, "todo": 4, "done": 2}


def test_a_tab_shows_its_states_a_page_at_a_time(tabbed_notes, user_client):
    first = user_client.get("/notes/tabs?state=todo").json
    assert first["notes"] == ["a", "b"] and first["pages"] == 2 and first["total"] == 3
    second = user_client.get("/notes/tabs?state=todo&page=2").json
    assert second["notes"] == ["dx"] and second["page"] == 2


def test_unknown_state_and_page_out_of_range_fall_back(tabbed_notes, user_client):
    listed = user_client.get("/notes/tabs?state=nope&page=50").json
    assert listed["state"] == "all" and listed["page"] == 2 and listed["notes"] == ["cx", "dx"]
    assert user_client.get("/notes/tabs?page=-3").json["page"] == 1


def test_search_narrows_the_rows_not_the_counts(tabbed_notes, user_client):
    listed = user_client.get("/notes/tabs?state=todo&x=1").json
    assert listed["notes"] == ["dx"] and listed["total"] == 1
    assert listed["counts"] == {"all": 4, "todo": 3, "done": 1}


def test_contacts_are_shared_by_every_user(notes, app, admin, user, user_client):
    """As Odoo's res.partner: a user with no group of any app still lists,
    opens, edits and deletes a contact another user made, and its chatter."""
    from host import Contact
    from host.models import Message

    set_group(user, "notes", "")
    admin_client = log_in(app.test_client(), admin)
    admin_client.post("/contacts/new", data={"name": "Shared Supplier", "country": "BE"})
    shared = Contact.get(Contact.name == "Shared Supplier")
    assert "Shared Supplier" in user_client.get("/contacts").text
    assert user_client.get(f"/contacts/{shared.id}").status_code == 200
    edit = {"name": "Shared Supplier NV", "country": "BE"}
    assert user_client.post(f"/contacts/{shared.id}", data=edit).status_code == 302
    assert Contact.get_by_id(shared.id).name == "Shared Supplier NV"
    answer = user_client.post(f"/chatter/contact/{shared.id}", data={"body": "Called them"})
    assert answer.status_code < 400
    assert Message.select().where(Message.body.contains("Called them")).exists()
    assert user_client.post(f"/contacts/{shared.id}/delete").status_code == 302
    assert Contact.get_or_none(Contact.id == shared.id) is None
