"""Hypothesis against every form of every page (issue 11, "make it
inherited"): the forms are found on the pages themselves, then posted with
hostile values: huge and negative numbers, NaN, odd decimals, markup, control
characters, very long text, missing fields, or the page's own value. No
answer is a 500, and a refused form (4xx) changes no credit; the ledger still
agrees with itself.

Forms that exist only once a record does (a mass SMS draft, a lead and its
Convert, a sign request and its signers, a letter's Retry, a document's
fields) are reached through each built-in addon's ``samples`` module,
``tests/addons/<addon>/samples.py``:

``make(client, user)`` and an optional ``CONFIG``, as ``tests/page_walk.py``
says.

A new addon adds its module and its forms are fuzzed without an edit here;
a built-in addon without one fails ``test_every_addon_has_samples``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host import demo
from host.config import BUILTIN_ADDONS
from host.models import User
from host.testing import log_in
from tests.page_walk import discover, make_samples, samples_config, samples_module, shape

# Fuzzed after the others: they end the record the other forms work on.
ENDING = re.compile(r"/(delete|remove|cancel|send|convert|validate|reopen)$")

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "", " ", "0", "-1", "-0.000001", "1e308", "NaN", "Infinity", "0x1F",
            str(2**64), str(-(2**63) - 1), "1.0000001", "9" * 400, "١٢٣",
            "<script>alert(1)</script>", '"><img src=x>', "'; DROP TABLE host_user; --",
            "\x00", "\r\nBcc: x@example.com", "a" * 5000, "../../etc/passwd",
            "https://evil.example/", "javascript:alert(1)", "{{ 7*7 }}", "%s%n",
            "2026-02-30", "-5", "1,5", "0.5", "BE", "on", "²", "①", "٣",
        ]
    ),
)  # fmt: skip


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    host_config.update(samples_config())
    return host_config


def test_every_addon_has_samples():
    missing = [path for path in BUILTIN_ADDONS if samples_module(path) is None]
    assert not missing, (
        f"{missing}: add tests/addons/<addon>/samples.py with make(client, user) "
        "(see tests/test_forms_fuzz.py) so that the forms of its records are fuzzed"
    )


def _balances():
    from addons.iap.models import Account

    return {a.service: (a.available, a.held) for a in Account.select()}


def _value(data, choices: list[str]) -> str | list[str]:
    """The page's own value, a hostile one, or the field repeated (a
    multiple select, or a field given twice by hand)."""
    way = data.draw(st.sampled_from(("page", "hostile", "hostile", "repeated")))
    if way == "page" and choices:
        return data.draw(st.sampled_from(choices))
    if way == "repeated":
        return data.draw(
            st.lists(st.one_of(st.sampled_from(choices or [""]), HOSTILE), min_size=2, max_size=3)
        )
    return data.draw(HOSTILE)


def _body(data, fields: dict[str, list[str]]) -> dict:
    """Either the form as the page fills it with one or two fields spoiled
    (past the first checks, into the work), or any fields, any values."""
    if not fields:
        return {}
    if data.draw(st.booleans()):
        body = {name: values[0] for name, values in fields.items() if values}
        spoiled = st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=2, unique=True)
        body.update({name: _value(data, fields[name]) for name in data.draw(spoiled)})
        return body
    names = data.draw(st.lists(st.sampled_from(sorted(fields)), unique=True))
    return {name: _value(data, fields[name]) for name in names}


@pytest.mark.parametrize("email", [demo.ADMIN_EMAIL, demo.DEMO_USER_EMAIL])
def test_every_form_survives_hostile_input(app, email):
    """As the administrator (every page) and as the demo user (an app's
    User group: their own records, the refusals of the rest)."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    messages = list(demo.load(app))
    assert not [m for m in messages if m.startswith("could not")], messages
    user = User.get(User.email == email)
    client = log_in(app.test_client(), user)
    found = {
        key: (form.action, form.fields)
        for key, form in discover(client, make_samples(client, user)).items()
    }
    # A deletion last: the contact it deletes is the one other forms write to.
    forms = sorted(found.values(), key=lambda form: (form[0].endswith("/delete"), form[0]))
    if user.is_admin:
        # The deep forms are there: a record's own forms, a second step's.
        assert len(forms) > 80, sorted(found)
        shapes = {shape(action) for action, _ in forms}
        assert set(DEEP) - shapes == set(), sorted(shapes)
        assert any(shape.startswith("/iap/pay/demo/") for shape in shapes), sorted(shapes)
    else:
        assert len(forms) > 40, sorted(found)
    fuzz_forms(client, forms)
    from addons.iap.ledger import verify

    assert verify() == []


DEEP = (
    "/sms/batches/N/send", "/sms/batches/N/cancel", "/sms/preview", "/lead_generation/leads/N",
    "/lead_generation/leads/N/convert", "/lead_generation/requests/new",
    "/itsme_sign/requests/N/signers", "/itsme_sign/requests/N/fields",
    "/snailmail/letters/N/retry", "/snailmail/compose/contact/N/contact-sheet/send",
    "/digitization/bills/N", "/digitization/applicants/N",
    "/partner_autocomplete/enrich/N", "/partner_autocomplete/vies/N",
)  # fmt: skip


def fuzz_forms(client, forms) -> None:
    """Post hostile values to each form: first the forms that keep their
    record, then the ones that end it (delete, send, cancel…), which would
    leave the others only a 404 to answer."""

    def post_hostile(data, chosen):
        for action, fields in chosen:
            body = _body(data, fields)
            before = _balances()
            headers = {"Referer": "/"}
            if data.draw(st.booleans()):  # as the pages' script posts: a JSON or a dialog back
                headers["X-Requested-With"] = "fetch"
            response = client.post(action, data=body, headers=headers)
            assert response.status_code < 500, (action, body, response.status_code)
            if response.status_code >= 400:
                assert _balances() == before, (action, body)

    def fuzzed(chosen):
        @settings(
            # Each example posts every form: a twelfth of the profile's
            # count (8 for a developer, 4 in CI, 83 with ``thorough``).
            max_examples=max(settings.default.max_examples // 12, 2),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(data=st.data())
        def run(data):
            post_hostile(data, chosen)

        return run

    for ending in (False, True):
        fuzzed([form for form in forms if bool(ENDING.search(form[0])) == ending])()
