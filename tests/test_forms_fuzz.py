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

- ``make(client, user) -> list[str]`` makes one record of each kind the app's
  pages show, through the app's own API or its test fixtures, and returns the
  paths of their pages; the walk starts there as well as at the home page.
- ``CONFIG`` (optional): settings its pages need in a test (a loopback
  address instead of an outside service).

A new addon adds its module and its forms are fuzzed without an edit here;
a built-in addon without one fails ``test_every_addon_has_samples``.
"""

from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host import demo
from host.config import BUILTIN_ADDONS
from host.models import User
from host.testing import log_in

# Forms that end the session or switch apps off: they would stop the walk.
SKIP_ACTIONS = re.compile(r"^/(logout|apps/)")
# Fuzzed after the others: they end the record the other forms work on.
ENDING = re.compile(r"/(delete|remove|cancel|send|convert|validate|reopen)$")
# Links that lead to pages: the href of anchors, and the fragments a page
# loads or polls by itself (a status line with its Cancel button).
LINKS = re.compile(r'(?:href|data-href|data-poll|data-src|data-url|data-dialog)="(/[^"#]*)"')

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


def _samples_module(addon_path: str):
    name = addon_path.split(".")[1]
    try:
        return importlib.import_module(f"tests.addons.{name}.samples")
    except ModuleNotFoundError as exc:
        if exc.name != f"tests.addons.{name}.samples":
            raise
        return None


class _Forms(HTMLParser):
    """The POST forms of a page: ``(action, {field: page's values})``; a
    field outside its form (``form="id"``), a button's ``formaction`` and the
    live preview a form posts itself to (``data-preview``) count too."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._by_id: dict[str, dict[str, list[str]]] = {}
        self._current: dict[str, list[str]] | None = None
        self._select: list[str] | None = None
        self._late: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = None
            fields: dict[str, list[str]] = {}
            if attrs.get("id"):
                self._by_id[attrs["id"]] = fields
            if (attrs.get("method") or "").lower() == "post":
                self._current = fields
                self.forms.append((attrs.get("action") or "", fields))
                if attrs.get("data-preview"):
                    self.forms.append((attrs["data-preview"], fields))
            return
        if tag == "option" and self._select is not None:
            self._select.append(attrs.get("value") or "")
            return
        for url in (attrs.get("formaction"), attrs.get("data-preview")):
            if url and self._current is not None:
                self.forms.append((url, self._current))
        if tag not in ("input", "select", "textarea", "button"):
            return
        name = attrs.get("name")
        if not name or name == "csrf_token":
            return
        if attrs.get("form"):
            self._late.append((attrs["form"], name, attrs.get("value") or ""))
            return
        if self._current is None:
            return
        values = self._current.setdefault(name, [])
        if attrs.get("value"):
            values.append(attrs["value"])
        if tag == "select":
            self._select = values

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None

    def close(self):
        super().close()
        for form_id, name, value in self._late:
            if form_id in self._by_id:
                self._by_id[form_id].setdefault(name, []).append(value)


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    for path in BUILTIN_ADDONS:
        host_config.update(getattr(_samples_module(path), "CONFIG", {}))
    return host_config


def test_every_addon_has_samples():
    missing = [path for path in BUILTIN_ADDONS if _samples_module(path) is None]
    assert not missing, (
        f"{missing}: add tests/addons/<addon>/samples.py with make(client, user) "
        "(see tests/test_forms_fuzz.py) so that the forms of its records are fuzzed"
    )


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _discover(client, starts: list[str]) -> dict[tuple[str, tuple], tuple[str, dict]]:
    """The POST forms of the pages reachable in four clicks from the home
    page and the samples' pages, one per action shape and field set."""
    seen, forms = set(), {}
    queue = ["/", *starts]
    for _ in range(4):
        following = []
        for path in queue:
            response = client.get(path)
            assert response.status_code < 500, (path, response.status_code)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            parser = _Forms()
            parser.feed(html)
            parser.close()
            for action, fields in parser.forms:
                target = urlsplit(urljoin(path, action.replace("&amp;", "&") or path)).path
                if not SKIP_ACTIONS.match(target):
                    key = (_shape(target), tuple(sorted(fields)))
                    forms.setdefault(key, (target, fields))
            for href in LINKS.findall(html):
                href = href.replace("&amp;", "&")
                key = _shape(href.split("?")[0])
                if key not in seen and "/static/" not in href and not SKIP_ACTIONS.match(href):
                    seen.add(key)
                    following.append(href)
        queue = following
    return forms


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
    starts = []
    for path in BUILTIN_ADDONS:
        starts += _samples_module(path).make(client, user)
    found = _discover(client, starts)
    # A deletion last: the contact it deletes is the one other forms write to.
    forms = sorted(found.values(), key=lambda form: (form[0].endswith("/delete"), form[0]))
    if user.is_admin:
        # The deep forms are there: a record's own forms, a second step's.
        assert len(forms) > 80, sorted(found)
        shapes = {_shape(action) for action, _ in forms}
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
