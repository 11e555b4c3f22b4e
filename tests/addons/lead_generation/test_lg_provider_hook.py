"""A third-party addon adds a lead provider through the ``lead_generation_providers``
hook; a provider that fails or answers nothing costs nothing."""

from __future__ import annotations

import pytest

from addons.lead_generation import config, mining
from addons.lead_generation.models import Lead, MiningRequest
from addons.lead_generation.providers.base import Found, LeadProvider, ProviderError
from host import Manifest, hookimpl
from tests.addons.lead_generation.conftest import new_request


class ChamberProvider(LeadProvider):
    key = "chamber"
    name = "Chamber of commerce"

    def __init__(self, mode):
        self.mode = mode

    def states(self):
        return {"BE": {"VLG", "WAL", "BRU"}}

    def search(self, criteria, count):
        if self.mode["answer"] in ("timeout", "error", "no_result"):
            raise ProviderError(self.mode["answer"], f"the chamber says {self.mode['answer']}")
        companies = [
            {
                "uid": f"c{i}",
                "name": f"Chamber member {i}",
                "domain": f"member{i}.example",
                "country": "BE",
                "sic_group": "73",
                "employees": 10,
            }
            for i in range(self.mode.get("count", 3))
        ]
        return [Found(c, []) for c in companies][:count]


class ChamberAddon:
    manifest = Manifest(name="chamber", title="Chamber", depends=("lead_generation",))

    def __init__(self):
        self.mode = {"answer": "ok"}

    @hookimpl
    def lead_generation_providers(self):
        return [ChamberProvider(self.mode)]


@pytest.fixture
def chamber():
    return ChamberAddon()


@pytest.fixture
def host_config(host_config, chamber):
    host_config.update(HOST_EXTRA_ADDONS=[chamber], LEAD_GENERATION_PROVIDER="chamber")
    return host_config


@pytest.fixture
def with_chamber(lg, enable, chamber):
    enable("chamber")
    return chamber


def test_the_configured_provider_answers(with_chamber, give_credits, lg_balance):
    assert set(config.providers()) == {"local", "remote", "chamber"}
    give_credits(10)
    request = new_request(countries="BE", lead_number=5)
    assert mining.run(request.id) == "done"
    assert [lead.company_name for lead in Lead.select().order_by(Lead.id)] == [
        "Chamber member 0",
        "Chamber member 1",
        "Chamber member 2",
    ]
    assert lg_balance() == 7


@pytest.mark.parametrize("answer", ["timeout", "error"])
def test_a_failing_provider_costs_nothing(with_chamber, give_credits, lg_balance, answer):
    give_credits(10)
    with_chamber.mode["answer"] = answer
    request = new_request(countries="BE", lead_number=5)
    assert mining.run(request.id) == "error"
    request = MiningRequest.get_by_id(request.id)
    assert request.error == "provider" and f"the chamber says {answer}" in request.error_message
    assert lg_balance() == 10 and Lead.select().count() == 0


def test_no_result_from_the_provider(with_chamber, give_credits, lg_balance):
    give_credits(10)
    with_chamber.mode["answer"] = "no_result"
    request = new_request(countries="BE", lead_number=5)
    mining.run(request.id)
    assert MiningRequest.get_by_id(request.id).error == "no_result"
    assert lg_balance() == 10


def test_states_come_from_the_provider(with_chamber, admin_client):
    page = admin_client.get("/lead_generation/requests/new").get_data(as_text=True)
    assert 'value="BE-VLG"' in page
