"""The remote provider: a JSON-RPC client in the shape of Odoo's lead mining
service, against a fake on loopback that also plays its errors."""

import pytest

from addons.lead_generation import mining, reveal
from addons.lead_generation.criteria import Criteria
from addons.lead_generation.models import Lead, MiningRequest, PageView, RevealedIp, Rule
from addons.lead_generation.providers.base import ProviderError
from addons.lead_generation.providers.remote import RemoteProvider
from tests.addons.lead_generation.conftest import new_request
from tests.addons.lead_generation.fake_lead_service import FakeLeadService, company, person


@pytest.fixture
def service():
    server = FakeLeadService().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def host_config(host_config, service):
    host_config.update(
        LEAD_GENERATION_PROVIDER="remote",
        LEAD_GENERATION_REMOTE_URL=service.url,
        LEAD_GENERATION_REMOTE_TOKEN="acct-token-1",
        LEAD_GENERATION_TIMEOUT=1,
    )
    return host_config


def test_the_request_carries_odoo_s_fields(lg, service):
    service.results = [company(1)]
    criteria = Criteria(
        countries=("BE",),
        search_type="people",
        sic_groups=("73",),
        size_min=10,
        size_max=50,
        contact_number=2,
        contact_filter="role",
        preferred_role="engineering",
        other_roles=("sales",),
    )
    RemoteProvider().search(criteria, 10)
    path, body = service.requests[0]
    assert path == "/iap/clearbit/1/lead_mining_request"
    assert body["jsonrpc"] == "2.0" and body["method"] == "call"
    assert body["params"]["account_token"] == "acct-token-1"
    assert body["params"]["data"] == {
        "lead_number": 10,
        "search_type": "people",
        "countries": ["BE"],
        "company_size_min": 10,
        "company_size_max": 50,
        "industry_ids": ["73"],
        "contact_number": 2,
        "contact_filter_type": "role",
        "preferred_role": "engineering",
        "other_roles": ["sales"],
    }


def test_a_mining_request_through_the_remote_service(lg, service, give_credits, lg_balance):
    give_credits(20)
    service.results = [
        {"company_data": company(1), "people_data": [person("Ann Lee"), person("Bo Li", "sales")]},
        {"company_data": company(2), "people_data": [person("Cy Ng", "legal")]},  # no match
        {"company_data": company(3, country_code="NL"), "people_data": [person("Di Wu")]},
        {"company_data": company(4, employees=5000), "people_data": [person("Ed Yu")]},
    ]
    request = new_request(
        countries="BE",
        search_type="people",
        contact_number=2,
        contact_filter="role",
        preferred_role="engineering",
        other_roles="sales",
        lead_number=5,
    )
    assert mining.run(request.id) == "done"
    lead = Lead.get()  # the others fall outside the criteria: neither stored nor charged
    assert (lead.company_name, lead.domain, lead.sic_group) == (
        "Remote Soft 1",
        "remote1.example",
        "73",
    )
    assert [p.name for p in lead.people] == ["Ann Lee", "Bo Li"]
    assert MiningRequest.get_by_id(request.id).credits_charged == 3 and lg_balance() == 17


@pytest.mark.parametrize(
    ("mode", "error", "message"),
    [
        ("no_result", "no_result", "no_result here"),
        ("credits", "provider", "no credits left"),
        ("slow", "provider", "did not answer within 1 s"),
        ("http500", "provider", "answered HTTP 500"),
        ("garbage", "provider", "not JSON"),
    ],
)
def test_provider_errors_end_the_request_with_nothing_charged(
    lg, service, give_credits, lg_balance, mode, error, message
):
    give_credits(20)
    service.mode = mode
    request = new_request(countries="BE", lead_number=5)
    assert mining.run(request.id) == "error"
    request = MiningRequest.get_by_id(request.id)
    assert request.error == error and message in request.error_message
    assert lg_balance() == 20 and Lead.select().count() == 0


def test_the_token_never_reaches_an_error_message(lg, service):
    service.mode = "http500"
    with pytest.raises(ProviderError) as raised:
        RemoteProvider().search(Criteria(countries=("BE",)), 1)
    assert "acct-token-1" not in str(raised.value)


def test_reveal_through_the_remote_service(lg, service, give_credits, lg_balance):
    give_credits(10)
    rule = Rule.create(name="All", sequence=1)
    service.reveal_result = {
        "reveal_data": [
            {"ip": "81.240.0.5", "rule_id": rule.id, "company_data": company(7), "people_data": []}
        ],
        "not_found": ["81.240.0.99"],
    }
    reveal.record_view("81.240.0.5", "https://www.example.com/")
    reveal.record_view("81.240.0.99", "https://www.example.com/")
    stats = reveal.process()
    assert stats["leads"] == 1 and stats["not_found"] == 1
    path, body = service.requests[0]
    assert path == "/iap/clearbit/1/reveal"
    assert body["params"]["data"]["ips"] == {"81.240.0.5": [rule.id], "81.240.0.99": [rule.id]}
    assert Lead.get().company_name == "Remote Soft 7" and lg_balance() == 9
    assert RevealedIp.get(RevealedIp.ip == "81.240.0.99").state == "not_found"
    assert PageView.select().where(PageView.state == "lead").count() == 1


def test_reveal_stops_on_a_provider_error(lg, service, give_credits):
    give_credits(10)
    Rule.create(name="All", sequence=1)
    service.mode = "slow"
    reveal.record_view("81.240.0.5", "https://www.example.com/")
    assert reveal.process()["stopped"] == "timeout"
    assert PageView.get().state == "pending"  # sent again next time
