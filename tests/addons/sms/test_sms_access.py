"""Access groups of the SMS addon: a User follows their own mass SMS, a
Manager everyone's; another user's batch does not exist for a User, and
cannot be sent, canceled or retried."""

import pytest

from addons.sms import batches
from addons.sms.models import SmsBatch
from host.access import set_group
from host.testing import log_in, make_user


@pytest.fixture
def theirs(sms, contact):
    other = make_user("other@example.com", name="Other")
    return batches.draft([contact.id], other)


def test_a_user_cannot_see_or_act_on_another_users_batch(theirs, user, user_client):
    assert user_client.get(f"/sms/batches/{theirs.id}").status_code == 404
    assert user_client.get(f"/sms/batches/{theirs.id}/status").status_code == 404
    for action in ("send", "cancel", "retry"):
        response = user_client.post(f"/sms/batches/{theirs.id}/{action}", data={"body": "Hi"})
        assert response.status_code == 404, action
    assert (
        user_client.post("/sms/preview", data={"body": "x", "batch_id": theirs.id}).status_code
        == 404
    )
    assert SmsBatch.get_by_id(theirs.id).state == theirs.state


def test_a_user_sees_their_own_batch(sms, contact, user, user_client):
    mine = batches.draft([contact.id], user)
    assert user_client.get(f"/sms/batches/{mine.id}").status_code == 200


def test_a_manager_sees_every_batch(theirs, user, user_client):
    set_group(user, "sms", "manager")
    assert user_client.get(f"/sms/batches/{theirs.id}").status_code == 200


def test_no_sms_access_means_403_and_no_sms_buttons(app, sms, contact, user, user_client):
    link = f"/sms/compose/{contact.id}/"
    assert link in user_client.get(f"/contacts/{contact.id}").text
    set_group(user, "sms", "")
    assert link not in user_client.get(f"/contacts/{contact.id}").text
    assert user_client.get(f"/sms/compose/{contact.id}/phone").status_code == 403
    assert user_client.post("/sms/mass", data={"ids": [contact.id]}).status_code == 403
    assert SmsBatch.select().count() == 0


def test_the_demo_user_keeps_sms(sms, contact):
    plain = log_in(sms.test_client(), make_user("plain@example.com"))
    assert plain.get(f"/sms/compose/{contact.id}/phone").status_code == 200


BACK_OFFICE = ("/sms/", "/sms/outbox", "/sms/batches", "/sms/blacklist")


def test_the_back_office_is_for_sms_managers(sms, user, user_client):
    """History, outbox, every mass SMS and the blacklist: an SMS Manager's
    pages (an administrator has every group); an SMS User gets 403 and no menu."""
    from addons.sms import blacklist

    for url in BACK_OFFICE:
        assert user_client.get(url).status_code == 403, url
    assert user_client.post("/sms/blacklist", data={"number": "+32470123456"}).status_code == 403
    assert 'data-menu="sms"' not in user_client.get("/").text
    set_group(user, "sms", "manager")
    for url in BACK_OFFICE:
        assert user_client.get(url).status_code == 200, url
    assert 'data-menu="sms"' in user_client.get("/").text
    response = user_client.post("/sms/blacklist", data={"number": "+32470123456"})
    assert response.status_code == 302 and blacklist.is_blacklisted("+32470123456")


def test_prices_and_gateway_settings_stay_with_administrators(sms, user, user_client):
    set_group(user, "sms", "manager")
    assert "/sms/prices" not in user_client.get("/sms/").text
    assert user_client.get("/sms/prices").status_code == 403
    response = user_client.post("/sms/settings", data={"gateway": "twilio"})
    assert response.status_code == 403
    from addons.sms import config

    assert config.get("gateway") == "outbox"


def test_every_sms_view_and_action_names_its_guard(sms):
    """Each route of the SMS app, and what it needs: a new page must be
    placed here, so that none is left with the lowest group by oversight."""
    from host.access import required_group

    guards = {}
    for rule in sms.url_map.iter_rules():
        if not rule.endpoint.startswith("sms.") or rule.endpoint == "sms.static":
            continue
        view = sms.view_functions[rule.endpoint]
        if getattr(view, "host_public", False):
            guards[rule.endpoint] = "signed webhook"
        elif getattr(view, "host_admin_only", False):
            guards[rule.endpoint] = "admin"
        else:
            guards[rule.endpoint] = required_group(view, "sms")
    assert guards == {
        # Sending, and following one's own mass SMS.
        "sms.compose": "sms.user", "sms.preview": "sms.user", "sms.mass": "sms.user",
        "sms.batch": "sms.user", "sms.batch_send": "sms.user", "sms.batch_status": "sms.user",
        "sms.batch_cancel": "sms.user", "sms.batch_retry": "sms.user", "sms.resend": "sms.user",
        # The back office.
        "sms.history": "sms.manager", "sms.outbox": "sms.manager",
        "sms.batches_list": "sms.manager", "sms.blacklist_page": "sms.manager",
        "sms.blacklist_remove": "sms.manager",
        # The site's configuration.
        "sms.prices": "admin", "sms.settings": "admin",
        "sms.twilio_status": "signed webhook", "sms.twilio_inbound": "signed webhook",
    }  # fmt: skip
