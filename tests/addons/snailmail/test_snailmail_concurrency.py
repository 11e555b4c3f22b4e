"""A letter is charged once and posted once, whatever the processes do: a
worker killed between the shop's acceptance and the capture, several
processes sending the same letters at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue as queue_module
from decimal import Decimal

import pytest

from addons.iap import ledger
from addons.iap.models import Hold
from addons.snailmail import retries
from addons.snailmail.models import Letter
from host import utcnow

pytestmark = pytest.mark.slow


@pytest.fixture
def host_config(host_config):
    host_config.update(SNAILMAIL_STALE_AFTER=1)
    return host_config


def test_a_worker_killed_after_the_shop_accepted_is_charged_once(
    app, pingen, queue_letter, give_credits, snailmail_balance
):
    give_credits(10)
    letter = queue_letter()
    spawn = multiprocessing.get_context("spawn")
    from tests.addons.snailmail import workers

    child = spawn.Process(
        target=workers.send_then_die, args=(app.config["DATABASE_URL"], letter.id)
    )
    child.start()
    child.join(60)
    assert child.exitcode == -9  # SIGKILL
    dying = Letter.get_by_id(letter.id)
    assert (dying.state, dying.charged) == ("sending", 0)
    assert len(pingen.letters) == 1  # the shop has it
    assert Hold.get(Hold.reference == f"snailmail.letter:{letter.id}").state == "held"

    # The periodic job takes it up: same uid, so the shop keeps one letter.
    Letter.update(claimed_at=utcnow() - dt.timedelta(seconds=5)).where(
        Letter.id == letter.id
    ).execute()
    assert retries.take_up_lost() == 1
    sent = Letter.get_by_id(letter.id)
    assert (sent.state, sent.attempts) == ("sent", 2)
    assert len(pingen.letters) == 1
    # The dead worker's hold expires and is released; one capture remains.
    Hold.update(expires_at=utcnow()).where(Hold.state == "held").execute()
    ledger.expire_holds()
    holds = list(
        Hold.select().where(Hold.reference == f"snailmail.letter:{letter.id}").order_by(Hold.id)
    )
    assert [h.state for h in holds] == ["expired", "captured"]
    assert snailmail_balance() == Decimal(10) - sent.charged
    assert ledger.verify() == []
    # And again: nothing more to take up, nothing charged again.
    assert retries.take_up_lost() == 0
    assert snailmail_balance() == Decimal(10) - sent.charged


def test_several_processes_sending_the_same_letters_post_and_charge_each_once(
    app, pingen, queue_letter, give_credits, snailmail_balance
):
    give_credits(50)
    letters = [queue_letter() for _ in range(5)]
    ids = [x.id for x in letters]
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    from tests.addons.snailmail import workers

    children = [
        spawn.Process(target=workers.send_all, args=(app.config["DATABASE_URL"], ids, results))
        for _ in range(3)
    ]
    for child in children:
        child.start()
    errors = []
    for _ in children:
        try:
            errors += results.get(timeout=120)
        except queue_module.Empty:
            pytest.fail("a sending process did not finish")
    for child in children:
        child.join(30)
    assert errors == []
    sent = [Letter.get_by_id(i) for i in ids]
    assert [x.state for x in sent] == ["sent"] * 5
    assert len(pingen.letters) == 5
    assert sorted(x["key"] for x in pingen.letters.values()) == sorted(x.uid for x in sent)
    assert snailmail_balance() == Decimal(50) - sum(x.charged for x in sent)
    assert Hold.select().where(Hold.state == "captured").count() == 5
    assert ledger.verify() == []
