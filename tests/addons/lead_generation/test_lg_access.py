"""Access groups of the lead_generation addon: a User sees the leads they are
the salesperson of or that their own mining requests found, and their own
mining requests; another user's lead or request does not exist for them. A
Manager sees every one; a user without the group gets 403."""

import pytest

from addons.lead_generation.models import Lead
from host.access import set_group
from host.testing import make_user
from tests.addons.lead_generation.conftest import new_request


@pytest.fixture
def records(lg, user):
    other = make_user("other@example.com", name="Other")
    mine = new_request(user=user.id)
    theirs = new_request(user=other.id)
    return {
        "mine": mine,
        "theirs": theirs,
        "mined": Lead.create(company_name="Mined Mine", source="mining", request=mine.id),
        "assigned": Lead.create(company_name="Assigned Mine", salesperson=user.id),
        "other": Lead.create(company_name="Other Lead", salesperson=other.id),
        "other_mined": Lead.create(company_name="Other Mined", source="mining", request=theirs.id),
    }


def test_a_user_sees_only_their_own_leads_and_requests(records, user_client):
    page = user_client.get("/lead_generation/leads").text
    assert "Mined Mine" in page and "Assigned Mine" in page
    assert "Other Lead" not in page and "Other Mined" not in page
    assert '<p class="muted">2 leads</p>' in page  # the count: theirs not counted
    for key in ("mined", "assigned"):
        assert user_client.get(f"/lead_generation/leads/{records[key].id}").status_code == 200
    for key in ("other", "other_mined"):
        lead_id = records[key].id
        assert user_client.get(f"/lead_generation/leads/{lead_id}").status_code == 404
        saved = user_client.post(f"/lead_generation/leads/{lead_id}", data={"company_name": "X"})
        assert saved.status_code == 404
        converted = user_client.post(f"/lead_generation/leads/{lead_id}/convert")
        assert converted.status_code == 404
        assert Lead.get_by_id(lead_id).contact_id is None
        # Nor through the host's chatter, which every addon's records share.
        chatter = f"/chatter/lead_generation.lead/{lead_id}"
        assert user_client.get(chatter).status_code == 404
        assert user_client.post(chatter, data={"body": "peek"}).status_code == 404
    assert (
        user_client.get(f"/chatter/lead_generation.lead/{records['mined'].id}").status_code == 200
    )
    assert Lead.get_by_id(records["other"].id).company_name == "Other Lead"
    requests = user_client.get("/lead_generation/requests").text
    assert f"/lead_generation/requests/{records['mine'].id}" in requests
    assert f"/lead_generation/requests/{records['theirs'].id}" not in requests
    theirs = records["theirs"].id
    assert user_client.get(f"/lead_generation/requests/{records['mine'].id}").status_code == 200
    assert user_client.get(f"/lead_generation/requests/{theirs}").status_code == 404
    assert user_client.get(f"/lead_generation/requests/{theirs}/status").status_code == 404


def test_a_manager_sees_every_lead_and_request(records, user, user_client):
    set_group(user, "lead_generation", "manager")
    page = user_client.get("/lead_generation/leads").text
    for name in ("Mined Mine", "Assigned Mine", "Other Lead", "Other Mined"):
        assert name in page
    for key in ("other", "other_mined"):
        assert user_client.get(f"/lead_generation/leads/{records[key].id}").status_code == 200
    theirs = records["theirs"].id
    assert (
        f"/lead_generation/requests/{theirs}" in user_client.get("/lead_generation/requests").text
    )
    assert user_client.get(f"/lead_generation/requests/{theirs}").status_code == 200
    assert user_client.get(f"/lead_generation/requests/{theirs}/status").status_code == 200


def test_no_lead_generation_access_means_403(records, user, user_client):
    set_group(user, "lead_generation", "")
    assert user_client.get("/lead_generation/leads").status_code == 403
    assert user_client.get(f"/lead_generation/leads/{records['mined'].id}").status_code == 403
    assert user_client.get("/lead_generation/requests/new").status_code == 403
    assert user_client.get(f"/lead_generation/requests/{records['mine'].id}").status_code == 403


def test_a_user_who_hands_a_lead_over_lands_on_their_list(records, user_client):
    """Reassigning (or unassigning) takes the lead out of the user's sight:
    they are sent to their list with a message saying where it went, not
    to a 404. A lead their own request found stays in sight."""
    colleague = make_user("colleague@example.com", name="Colleague")

    def save(lead, salesperson):
        form = {"lead_type": "lead", "company_name": lead.company_name, "country": "BE"}
        return user_client.post(
            f"/lead_generation/leads/{lead.id}", data={**form, "salesperson": salesperson}
        )

    assigned = records["assigned"]
    saved = save(assigned, str(colleague.id))
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/lead_generation/")
    page = user_client.get(saved.headers["Location"]).text
    assert "Lead saved and assigned to Colleague: it is in their leads now." in page
    assert "Assigned Mine" not in page and "Mined Mine" in page
    assert Lead.get_by_id(assigned.id).salesperson_id == colleague.id
    assert user_client.get(f"/lead_generation/leads/{assigned.id}").status_code == 404

    mined = records["mined"]
    kept = save(mined, str(colleague.id))
    assert kept.headers["Location"].endswith(f"/lead_generation/leads/{mined.id}")
    assert "Lead saved." in user_client.get(kept.headers["Location"]).text

    Lead.update(salesperson=records["mine"].user_id).where(Lead.id == assigned.id).execute()
    unassigned = save(assigned, "")
    assert unassigned.headers["Location"].endswith("/lead_generation/")
    page = user_client.get(unassigned.headers["Location"]).text
    assert "Lead saved without a salesperson: managers see it now, you no longer do." in page
    assert Lead.get_by_id(assigned.id).salesperson_id is None
