"""Every text a user can set (contact fields, user names, the company name,
chatter notes, SMS bodies, document names and numbers, letter subjects and
file names, blacklist reasons) holds markup that would run if a page
printed it raw; every page reachable from the menu, for an administrator and
for the demo user, then renders it as text: no injected element, attribute
or script (issue 11, "make it inherited")."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import peewee
import pytest

from addons.iap import grant
from host import Contact, Setting, demo, post_message
from host.config import BUILTIN_ADDONS
from host.models import User
from host.testing import log_in
from tests.addons.digitization.conftest import corpus_document, upload
from tests.addons.sms.test_sms_compose import send

# An element, an attribute breaking out of its quotes (double and single),
# and a script: each must come back as text.
HOSTILE = "<script>alert('xss1')</script>\"><img src=x onerror=alert(2)>' onmouseover='alert(3)"
SHORT = '"><i onx=1>'  # for fields of 12 to 90 characters
MARKERS = ("onerror", "onmouseover", "onx")


class _Injected(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        for name, _value in attrs:
            if name in MARKERS:
                self.found.append(f"<{tag} {name}=…>")
        self._script = tag == "script"

    def handle_data(self, data):
        if self._script and "alert(" in data:
            self.found.append("a script running alert()")

    def handle_endtag(self, tag):
        self._script = False


def injected(html: str) -> list[str]:
    parser = _Injected()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_injected_markup():
    assert injected(HOSTILE) == ["a script running alert()", "<img onerror=…>"]
    assert injected('<input value="' + SHORT + '">') == ["<i onx=…>"]
    assert injected('<input value="&quot;&gt;&lt;i onx=1&gt;">') == []


def _hostile(field: peewee.Field) -> str:
    size = getattr(field, "max_length", None) or 10_000
    return HOSTILE if size >= len(HOSTILE) else SHORT


def _spoil(query, *names: str) -> None:
    model = query.model
    for row in query:
        for name in names:
            setattr(row, name, _hostile(model._meta.fields[name]))
        row.save()


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    return host_config


@pytest.fixture
def hostile_app(app):
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    messages = list(demo.load(app))
    assert not [m for m in messages if m.startswith("could not")], messages
    admin = User.get(User.email == demo.ADMIN_EMAIL)
    client = log_in(app.test_client(), admin)
    grant("digitization", 5, reason="hostile walk")
    grant("sms", 5, reason="hostile walk")
    marie = Contact.get(Contact.name == "Marie Dubois")
    # Records of each app, made the usual way, then given hostile texts.
    bill, _ = corpus_document("bill", 0)
    upload(client, "bills", ("bill.pdf", bill))
    send(client, marie, HOSTILE)
    client.post("/sms/blacklist", data={"number": "+32470999999", "reason": HOSTILE})
    from addons.digitization.models import Document
    from addons.sms.models import SmsBatch, SmsBlacklist
    from addons.snailmail import sending
    from addons.snailmail.models import Letter
    from tests.addons.snailmail import documents

    SmsBatch.create(contact_ids=json.dumps([marie.id]), author=admin, body=HOSTILE)
    Letter.create(
        model="contact", res_id=marie.id, contact=marie.id, author=admin,
        document=documents.pdf(1), address=json.dumps(sending.contact_address(marie)),
    )  # fmt: skip
    _spoil(Letter.select(), "subject", "filename")
    _spoil(Document.select(), "filename", "name", "number", "vat")
    _spoil(SmsBlacklist.select(), "reason")
    text_fields = [
        name
        for name, field in Contact._meta.fields.items()
        if isinstance(field, peewee.CharField | peewee.TextField)
        and name not in ("country", "country_code")
        and (getattr(field, "max_length", None) or 99) >= len(SHORT)
    ]
    _spoil(Contact.select(), *text_fields)
    _spoil(User.select(), "name")
    Setting.write("company_name", HOSTILE)
    post_message(model="contact", res_id=marie.id, body=HOSTILE, kind="note", author=admin)
    return app


def _walk(client) -> dict[str, str]:
    """The HTML of every page reachable from the home page in three clicks
    (one page per URL shape), dialogs included."""
    pages, seen, queue = {}, set(), ["/"]
    for _ in range(3):
        following = []
        for path in queue:
            response = client.get(path)
            assert response.status_code < 500, (path, response.status_code)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            pages[path] = html
            for href in re.findall(r'href="(/[^"#]*)"', html):
                href = href.replace("&amp;", "&")
                key = re.sub(r"\d+", "N", href.split("?")[0])
                if key in seen or "/static/" in href or href.startswith(("/logout", "/apps")):
                    continue
                seen.add(key)
                following.append(href)
        queue = following
    return pages


@pytest.mark.parametrize("email", [demo.ADMIN_EMAIL, demo.DEMO_USER_EMAIL])
def test_every_page_renders_hostile_values_as_text(hostile_app, email):
    client = log_in(hostile_app.test_client(), User.get(User.email == email))
    pages = _walk(client)
    assert len(pages) > (30 if email == demo.ADMIN_EMAIL else 10), sorted(pages)
    shown = 0
    for path, html in pages.items():
        assert injected(html) == [], path
        shown += "&lt;script&gt;" in html or "&#34;&gt;&lt;i onx" in html or "&#34;&gt;" in html
    # The values were really on the pages (escaped), not only absent.
    assert shown > 10, shown
