"""Several processes validating the same contacts' numbers and syncing the
shipped prices at once: no conflict, and the rows end up right."""

import multiprocessing

from addons.sms.models import SmsContactNumber, SmsDefaultPrice
from addons.sms.pricing import default_prices
from host import Contact
from tests.addons.sms import workers

SPAWN = multiprocessing.get_context("spawn")


def test_processes_validating_the_same_contacts_do_not_collide(app, sms, database_url):
    ids = [
        Contact.create(name=f"P{i}", mobile=f"+32 470 30 00 {i:02d}", country="BE").id
        for i in range(40)
    ]
    app.extensions["host_db"].close()
    queue = SPAWN.Queue()
    procs = [
        SPAWN.Process(target=workers.validate_again, args=(database_url, ids, 15, queue))
        for _ in range(4)
    ]
    for proc in procs:
        proc.start()
    errors = [queue.get(timeout=240) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    assert errors == [[], [], [], []]
    kept = {row.contact_id: row.number for row in SmsContactNumber.select()}
    assert kept == {i: f"+324703000{n:02d}" for n, i in enumerate(ids)}
    prices = {row.country: row.credits_per_part for row in SmsDefaultPrice.select()}
    assert prices == default_prices()
