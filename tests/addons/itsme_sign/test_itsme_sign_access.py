"""Who sees which sign requests: a User their own, a Manager (and admins) everyone's."""

from host.testing import log_in, make_user


def test_a_user_sees_only_their_own_requests(app, sender_client, draft):
    from addons.itsme_sign import lifecycle

    mine = draft(name="My contract")
    other = make_user("other@example.com")
    theirs = lifecycle.create("Their contract", "t.pdf", mine.original, other)
    listing = sender_client.get("/itsme_sign/requests").data.decode()
    assert "My contract" in listing and "Their contract" not in listing
    # The filters' counters count only the user's requests too.
    assert "Draft (1)" in listing, listing
    for path in ("", "/original.pdf", "/pages/1.png", "/state", "/badge"):
        assert sender_client.get(f"/itsme_sign/requests/{theirs.id}{path}").status_code == 404
    answer = sender_client.post(
        f"/itsme_sign/requests/{theirs.id}/signers",
        data={"name": "Jan", "email": "jan@example.be", "role": "Customer"},
    )
    assert answer.status_code == 404
    assert sender_client.post(f"/itsme_sign/requests/{theirs.id}/cancel").status_code == 404
    assert lifecycle.SignRequest.get_by_id(theirs.id).state == "draft"
    # Nor through the host's chatter, which every addon's records share.
    chatter = f"/chatter/itsme_sign.request/{theirs.id}"
    assert sender_client.get(chatter).status_code == 404
    assert sender_client.post(chatter, data={"body": "peek"}).status_code == 404
    assert sender_client.get(f"/chatter/itsme_sign.request/{mine.id}").status_code == 200


def test_a_manager_sees_everyones_and_alone_sets_the_roles(app, sender_client, draft, admin):
    from addons.itsme_sign.models import Role

    draft(name="My contract")
    manager = log_in(app.test_client(), admin)
    assert "My contract" in manager.get("/itsme_sign/requests").data.decode()
    assert sender_client.get("/itsme_sign/roles").status_code == 403
    answer = sender_client.post(
        "/itsme_sign/roles", data={"name": "Customer", "requires_itsme": "1"}
    )
    assert answer.status_code == 403 and Role.select().count() == 0
    manager.post("/itsme_sign/roles", data={"name": "Customer", "requires_itsme": "1"})
    assert Role.get(Role.name == "Customer").requires_itsme
    assert "Roles" not in sender_client.get("/itsme_sign/requests").data.decode().split("</nav>")[1]
