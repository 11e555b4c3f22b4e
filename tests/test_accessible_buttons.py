"""Every button and button-like link on the main pages has a visible label,
a title or an accessible name."""

import re
from html.parser import HTMLParser

import pytest


class _Buttons(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[dict] = []
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        is_button = tag == "button" or (tag == "a" and "btn" in (attrs.get("class") or ""))
        if is_button:
            self.stack.append({"tag": tag, "attrs": attrs, "text": ""})

    def handle_data(self, data):
        for item in self.stack:
            item["text"] += data

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1]["tag"] == tag:
            self.found.append(self.stack.pop())


def unlabelled(html: str) -> list[str]:
    parser = _Buttons()
    parser.feed(html)
    bad = []
    for item in parser.found:
        text = re.sub(r"\s+", " ", item["text"]).strip()
        named = any(item["attrs"].get(a) for a in ("title", "aria-label"))
        if not named and not any(ch.isalnum() for ch in text):
            bad.append(f"<{item['tag']} {item['attrs']}>{text}")
    return bad


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = (
        "addons.iap.plugin",
        "addons.sms.plugin",
        "addons.digitization.plugin",
    )
    return host_config


def test_main_pages_have_no_unlabelled_button(app, admin_client, enable, contact):
    enable("sms", "digitization")
    pages = [
        "/",
        "/contacts",
        f"/contacts/{contact.id}",
        "/contacts/new",
        "/apps",
        "/settings",
        "/outbox",
        "/users",
        "/iap/accounts",
        "/iap/accounts/sms",
        "/iap/buy/sms",
        "/digitization/bills",
        "/digitization/expenses",
        "/digitization/applicants",
    ]
    problems = {}
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        bad = unlabelled(response.get_data(as_text=True))
        if bad:
            problems[url] = bad
    assert problems == {}


def test_the_check_catches_icon_only_buttons():
    assert unlabelled('<button type="submit">📱</button>')
    assert unlabelled('<a class="btn" href="/x"> ✕ </a>')
    assert not unlabelled('<button title="SMS">📱</button>')
    assert not unlabelled('<a class="btn" href="/x">Buy Credit</a>')
