"""Several processes choosing the same company at once pay for it once."""

import multiprocessing
import time

import pytest

from addons.iap.models import Entry
from addons.partner_autocomplete.models import Purchase
from tests.addons.partner_autocomplete import workers
from tests.addons.partner_autocomplete.conftest import sample_company

SPAWN = multiprocessing.get_context("spawn")


@pytest.mark.slow
def test_processes_choosing_one_company_at_once_are_charged_once(
    seeded, database_url, give_credits, pa_balance
):
    give_credits(5)
    company = sample_company(name="Blue Gruber Textiles AG")
    queue = SPAWN.Queue()
    start_at = time.time() + 4  # after every child has built its app
    children = [
        SPAWN.Process(
            target=workers.choose_company, args=(database_url, company.id, start_at, queue)
        )
        for _ in range(4)
    ]
    for child in children:
        child.start()
    outcomes = [queue.get(timeout=600) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert [o for o in outcomes if o[0] == "error"] == []
    assert sorted(o[0] for o in outcomes) == ["cached", "cached", "cached", "charged"]
    assert pa_balance() == 4
    assert Entry.select().where(Entry.kind == "capture").count() == 1
    assert Purchase.get().state == "paid"


@pytest.mark.slow
def test_processes_out_of_credits_charge_nothing_and_claim_nothing(seeded, database_url):
    company = sample_company(name="Blue Gruber Textiles AG")
    queue = SPAWN.Queue()
    start_at = time.time() + 4
    children = [
        SPAWN.Process(
            target=workers.choose_company, args=(database_url, company.id, start_at, queue)
        )
        for _ in range(3)
    ]
    for child in children:
        child.start()
    outcomes = [queue.get(timeout=600) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert all(kind == "error" and "InsufficientCreditError" in text for kind, text in outcomes)
    assert Purchase.select().count() == 0
