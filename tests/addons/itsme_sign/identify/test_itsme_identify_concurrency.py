"""The same identification finished by several processes at once (a double
click, a retried redirect): recorded once, one credit spent."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

import pytest

from .steps import fresh, in_app

pytestmark = pytest.mark.slow


def test_one_callback_in_three_processes_is_charged_once(app, client, signer_link, credits):
    from addons.iap import balance
    from addons.iap.models import Hold

    credits("itsme_sign", 5)
    signer, link = signer_link()
    back = in_app(client.get(f"{link}/itsme").headers["Location"])
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = (name, client.get_cookie(name).value)
    keys = [k for k in app.config if k.startswith(("ITSME_", "HOST_", "IAP_"))]
    config = {k: app.config[k] for k in keys + ["SECRET_KEY", "DATABASE_URL", "TESTING"]}
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    from tests.addons.itsme_sign.identify import workers as itsme_workers

    children = [
        spawn.Process(target=itsme_workers.follow_callback, args=(config, cookie, back, results))
        for _ in range(3)
    ]
    for child in children:
        child.start()
    answers = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(30)
    assert all(status == 302 for status, _ in answers), answers
    assert fresh(signer).identified_name == "Anna Peeters"
    assert balance("itsme_sign") == Decimal(4)
    holds = list(Hold.select().where(Hold.reference == f"itsme_sign.signer:{signer.id}"))
    assert [h.state for h in holds].count("captured") == 1
