"""Requests for the same criteria run at once in several processes: no company
becomes two leads, and every credit spent is a company or contact returned."""

import multiprocessing
import time

import pytest

from addons.iap.models import Entry
from addons.lead_generation.criteria import from_record
from addons.lead_generation.models import Lead, LeadPerson, MiningRequest
from addons.lead_generation.providers.local import LocalProvider
from tests.addons.lead_generation import workers
from tests.addons.lead_generation.conftest import new_request

SPAWN = multiprocessing.get_context("spawn")


@pytest.mark.slow
def test_requests_at_once_for_the_same_criteria_create_no_lead_twice(
    dataset, database_url, give_credits, lg_balance
):
    give_credits(500)
    requests = [
        new_request(
            countries="BE,NL",
            lead_number=15,
            search_type="people",
            contact_number=2,
            contact_filter="seniority",
            seniority="manager",
        )
        for _ in range(3)
    ]
    available = len(LocalProvider().search(from_record(requests[0]), 1000))
    queue = SPAWN.Queue()
    start_at = time.time() + 4  # after every child has built its app
    children = [
        SPAWN.Process(target=workers.run_request, args=(database_url, r.id, start_at, queue))
        for r in requests
    ]
    for child in children:
        child.start()
    outcomes = [queue.get(timeout=180) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert sorted(state for _, state in outcomes) == ["done", "done", "done"], outcomes
    domains = [lead.domain for lead in Lead.select()]
    # every request filled (the universe holds enough), no company twice
    assert len(domains) == len(set(domains)) == 45 < available
    people = LeadPerson.select().count()
    charged = sum(MiningRequest.get_by_id(r.id).credits_charged for r in requests)
    assert charged == 45 + people == 500 - lg_balance()
    assert Entry.select().where(Entry.kind == "capture").count() == 45
