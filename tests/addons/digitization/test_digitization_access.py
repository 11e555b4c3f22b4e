"""Access groups of the digitization addon: a User uploads and corrects their
own documents, a Manager sees everyone's and validates; another user's
document does not exist for a User, and cannot be digitized or deleted."""

import pytest

from addons.digitization.models import Document
from host.access import set_group
from host.testing import log_in, make_user
from tests.addons.digitization.conftest import corpus_document, upload


@pytest.fixture
def user(user):
    set_group(user, "digitization", "user")  # the conftest's user is a manager
    return user


@pytest.fixture
def theirs(app, digitization, set_mode, user):
    set_mode("bill", "manual")
    other = log_in(app.test_client(), make_user("other@example.com", name="Other"))
    bill, _ = corpus_document("bill", 0)
    upload(other, "bills", ("theirs.pdf", bill))
    return Document.get(Document.filename == "theirs.pdf")


def test_a_user_cannot_see_or_act_on_another_users_document(theirs, user_client):
    listing = user_client.get("/digitization/bills").text
    assert "theirs.pdf" not in listing
    for suffix in ("", "/status", "/file", "/pages/1"):
        url = f"/digitization/bills/{theirs.id}{suffix}"
        assert user_client.get(url).status_code == 404, url
    for action in ("digitize", "delete", "reopen"):
        response = user_client.post(f"/digitization/bills/{theirs.id}/{action}")
        assert response.status_code in (403, 404), action
    user_client.post("/digitization/bills/digitize", data={"ids": [theirs.id]})
    assert Document.get_by_id(theirs.id).state == theirs.state


def test_a_user_corrects_but_does_not_validate(app, digitization, set_mode, user, user_client):
    set_mode("bill", "manual")
    bill, _ = corpus_document("bill", 0)
    upload(user_client, "bills", ("mine.pdf", bill))
    mine = Document.get(Document.filename == "mine.pdf")
    assert user_client.get(f"/digitization/bills/{mine.id}").status_code == 200
    form = {"number": "INV-1", "action": "validate"}
    response = user_client.post(f"/digitization/bills/{mine.id}", data=form)
    assert response.status_code == 403
    assert Document.get_by_id(mine.id).state != "done"


def test_a_manager_sees_every_document(theirs, user, user_client):
    set_group(user, "digitization", "manager")
    assert "theirs.pdf" in user_client.get("/digitization/bills").text
    assert user_client.get(f"/digitization/bills/{theirs.id}").status_code == 200


def test_no_digitization_access_means_403(theirs, user, user_client):
    set_group(user, "digitization", "")
    assert user_client.get("/digitization/bills").status_code == 403
    bill, _ = corpus_document("bill", 0)
    assert upload(user_client, "bills", ("x.pdf", bill)).status_code == 403


def test_another_users_file_is_no_document_of_theirs(theirs, user, user_client):
    url = f"/documents/{theirs.kind_info.model}/{theirs.id}/digitization-file"
    assert user_client.get(url).status_code == 404
    set_group(user, "digitization", "manager")
    response = user_client.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_another_users_chatter_is_not_theirs(theirs, user, user_client):
    url = f"/chatter/{theirs.kind_info.model}/{theirs.id}"
    assert user_client.get(url).status_code == 404
    assert user_client.post(url, data={"body": "peek"}).status_code == 404
    set_group(user, "digitization", "manager")
    assert user_client.get(url).status_code == 200


def test_the_progress_bar_counts_only_what_a_user_sees(theirs, user, user_client):
    # A manager's bulk Digitize put a colleague's document and one of the
    # user's in one batch; both are still being read.
    from addons.digitization.models import Batch

    mine = Document.create(kind="bill", filename="mine.pdf", author=user, state="draft")
    batch = Batch.create(kind="bill")
    for document in (theirs, mine):
        Document.update(batch=batch, state="waiting").where(Document.id == document.id).execute()
    shown = [
        user_client.get(url).text for url in ("/digitization/bills", "/digitization/bills/rows")
    ]
    for html in shown:
        assert "0 of 1</strong>" in html, html
    set_group(user, "digitization", "manager")
    assert "0 of 2</strong>" in user_client.get("/digitization/bills/rows").text
