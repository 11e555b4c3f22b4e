"""The same signature posted by several processes at once (a double click
reaching two workers): signed once, one signed PDF, one mail each — on
SQLite and PostgreSQL alike (IAP_TEST_BACKEND)."""

from __future__ import annotations

import datetime
import multiprocessing

import pytest

pytestmark = pytest.mark.slow

PROCESSES = 3


def _child_config(app) -> dict:
    """What a child needs to build the same app: the plain values of the config."""
    plain = (str, int, float, bool, tuple, list, type(None))
    return {
        key: value
        for key, value in app.config.items()
        if key.isupper() and isinstance(value, plain) and not isinstance(value, datetime.timedelta)
    }


def test_a_signature_posted_by_several_processes_at_once_signs_once(app, ready, link_of, mails):
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Signer, SignRequest
    from host import messages_for
    from tests.addons.itsme_sign import signing_workers

    sign_request, (jan,) = ready(
        [{"name": "Jan Peeters", "email": "jan@example.be", "role": "Customer"}]
    )
    lifecycle.send(sign_request)
    link = link_of("jan@example.be")
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(PROCESSES)
    results = spawn.Queue()
    children = [
        spawn.Process(
            target=signing_workers.submit_signature,
            args=(_child_config(app), link, barrier, results),
        )
        for _ in range(PROCESSES)
    ]
    for child in children:
        child.start()
    codes = [results.get(timeout=180) for _ in children]
    for child in children:
        child.join(30)
    assert sorted(codes, key=str) == [302] + [409] * (PROCESSES - 1), codes
    assert Signer.get_by_id(jan.id).state == "signed"
    done = SignRequest.get_by_id(sign_request.id)
    assert done.state == "signed" and done.signed
    logs = [m.body for m in messages_for("itsme_sign.request", sign_request.id)]
    assert sum("Jan Peeters signed" in body for body in logs) == 1
    assert sum("Signed by everyone" in body for body in logs) == 1
    assert len([m for m in mails() if "is signed" in m.subject]) == 2  # Jan and the sender
