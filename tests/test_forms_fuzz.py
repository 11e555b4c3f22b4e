"""Hypothesis against every form of every page (issue 11, "make it
inherited"): the forms are found on the pages themselves (an addon's new
form is fuzzed without an edit here), then posted with hostile values: huge
and negative numbers, NaN, odd decimals, markup, control characters, very
long text, missing fields. No answer is a 500, and a refused form (4xx)
changes no credit; the ledger still agrees with itself."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addons.iap import grant
from addons.sms import batches
from host import Contact, demo
from host.config import BUILTIN_ADDONS
from host.models import User
from host.testing import log_in
from tests.addons.digitization.conftest import corpus_document, upload

# Forms that end the session or switch apps off: they would stop the walk.
SKIP_ACTIONS = re.compile(r"^/(logout|apps/)")

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "", " ", "0", "-1", "-0.000001", "1e308", "NaN", "Infinity", "0x1F",
            str(2**64), str(-(2**63) - 1), "1.0000001", "9" * 400, "١٢٣",
            "<script>alert(1)</script>", '"><img src=x>', "'; DROP TABLE host_user; --",
            "\x00", "\r\nBcc: x@example.com", "a" * 5000, "../../etc/passwd",
            "https://evil.example/", "javascript:alert(1)", "{{ 7*7 }}", "%s%n",
        ]
    ),
)  # fmt: skip


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = []
            self.forms.append((attrs.get("action") or "", self._current))
        elif tag in ("input", "select", "textarea", "button") and self._current is not None:
            name = attrs.get("name")
            if name and name != "csrf_token" and name not in self._current:
                self._current.append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    return host_config


def _discover(client) -> dict[str, list[str]]:
    """``{action path: field names}`` of the POST forms of the pages reachable
    from the home page in four clicks (a pop-up's form included)."""
    seen, queue, forms = set(), ["/"], {}
    for _ in range(4):
        following = []
        for path in queue:
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            parser = _Forms()
            parser.feed(html)
            for action, fields in parser.forms:
                target = urlsplit(urljoin(path, action or path)).path
                if not SKIP_ACTIONS.match(target):
                    forms.setdefault(re.sub(r"\d+", "N", target), (target, fields))
            for href in re.findall(r'href="(/[^"#?]*)', html):
                key = re.sub(r"\d+", "N", href)
                if key not in seen and "/static/" not in href and not href.startswith("/logout"):
                    seen.add(key)
                    following.append(href)
        queue = following
    return dict(forms.values())


def _balances():
    from addons.iap.models import Account

    return {a.service: (a.available, a.held) for a in Account.select()}


def test_every_form_survives_hostile_input(app, tmp_path):
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    messages = list(demo.load(app))
    assert not [m for m in messages if m.startswith("could not")], messages
    admin = User.get(User.email == demo.ADMIN_EMAIL)
    client = log_in(app.test_client(), admin)
    # A record of each kind whose page has forms: a bill, a mass SMS draft.
    grant("digitization", 5, reason="forms fuzz")
    bill, _ = corpus_document("bill", 0)
    upload(client, "bills", ("bill.pdf", bill))
    batches.draft([c.id for c in Contact.select().limit(3)], admin)
    forms = _discover(client)
    assert len(forms) > 40, sorted(forms)

    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(data=st.data())
    def post_hostile(data):
        for action, fields in sorted(forms.items()):
            names = data.draw(st.lists(st.sampled_from(fields), unique=True)) if fields else []
            body = {name: data.draw(HOSTILE) for name in names}
            before = _balances()
            response = client.post(action, data=body, headers={"Referer": "/"})
            assert response.status_code < 500, (action, body, response.status_code)
            if response.status_code >= 400:
                assert _balances() == before, (action, body)

    post_hostile()
    from addons.iap.ledger import verify

    assert verify() == []
