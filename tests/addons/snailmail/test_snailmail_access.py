"""Access groups of the snailmail addon: a User sees their own letters, a
Manager everyone's; another user's letter does not exist for a User, and
cannot be canceled or retried."""

import pytest

from addons.snailmail.models import Letter
from host.access import set_group
from host.testing import make_user


@pytest.fixture
def letters(queue_letter, user):
    other = make_user("other@example.com", name="Other")
    return {
        "mine": queue_letter(author=user, subject="Mine"),
        "theirs": queue_letter(author=other, subject="Theirs", state="error"),
    }


def test_a_user_sees_only_their_own_letters(letters, user_client):
    page = user_client.get("/snailmail/letters?state=all").text
    assert f"/snailmail/letters/{letters['mine'].id}" in page
    assert f"/snailmail/letters/{letters['theirs'].id}" not in page
    # The filters' counters count only the user's letters too.
    assert "Error (0)" in page, page
    theirs = letters["theirs"].id
    for url in (f"/snailmail/letters/{theirs}", f"/snailmail/letters/{theirs}/pdf",
                f"/snailmail/letters/{theirs}/state"):  # fmt: skip
        assert user_client.get(url).status_code == 404, url
    for action in ("cancel", "retry"):
        assert user_client.post(f"/snailmail/letters/{theirs}/{action}").status_code == 404
    user_client.post("/snailmail/letters/retry", data={"ids": [theirs]})
    assert Letter.get_by_id(theirs).state == "error"
    mine = letters["mine"].id
    states = user_client.get(f"/snailmail/letters/states?ids={mine},{theirs}").get_json()
    assert list(states["letters"]) == [str(mine)]


def test_a_manager_sees_and_retries_every_letter(letters, user, user_client, give_credits):
    give_credits(10)
    set_group(user, "snailmail", "manager")
    page = user_client.get("/snailmail/letters?state=all").text
    assert f"/snailmail/letters/{letters['theirs'].id}" in page
    assert user_client.get(f"/snailmail/letters/{letters['theirs'].id}").status_code == 200
    user_client.post("/snailmail/letters/retry", data={"ids": [letters["theirs"].id]})
    assert Letter.get_by_id(letters["theirs"].id).state != "error"


def test_no_snailmail_access_means_403(letters, user, user_client, contact):
    set_group(user, "snailmail", "")
    assert user_client.get("/snailmail/letters").status_code == 403
    assert user_client.get(f"/snailmail/letters/{letters['mine'].id}").status_code == 403
    assert user_client.get(f"/snailmail/compose/{contact.id}").status_code == 403
