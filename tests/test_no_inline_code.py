"""Issue 11 #8: the Content-Security-Policy allows scripts and styles only
from the site's files, so no template (host, addons, examples) may carry an
inline <script>, an on*= handler, a style="" attribute, a <style> element or
a javascript: URL; and every page the app serves carries the policy."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from host.config import BUILTIN_ADDONS
from host.security import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(
    path
    for folder in ("host", "addons", "examples", "tests/third_party")
    for path in (ROOT / folder).rglob("*.html")
)


class InlineCode(HTMLParser):
    """Collects what a strict policy would refuse in one HTML text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script_has_src = None
        self._script_text = ""

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            self._script_has_src = "src" in names
            self._script_text = ""

    def handle_data(self, data):
        if self._script_has_src is not None:
            self._script_text += data

    def handle_endtag(self, tag):
        if tag == "script":
            if not self._script_has_src or self._script_text.strip():
                self.found.append("an inline <script>")
            self._script_has_src = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_checker_finds_what_the_policy_refuses():
    assert inline_code('<p style="color:red">x</p>') == ["<p style=…>"]
    assert inline_code('<button onclick="go()">') == ["<button onclick=…>"]
    assert inline_code("<script>alert(1)</script>") == ["an inline <script>"]
    assert inline_code('<a href=" JavaScript:alert(1)">') == ["<a href=javascript:…>"]
    assert inline_code("<style>p{}</style>") == ["<style>"]
    assert inline_code('<script src="/static/x.js"></script><p class="x">') == []


def test_the_policy_allows_no_inline_code():
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_carries_inline_code(path):
    # Jinja's own tags are taken out (``{% if on %}`` is no attribute ``on``);
    # what they wrap stays, so a style="" behind an {% if %} is still found.
    text = re.sub(r"{#.*?#}|{%.*?%}", " ", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"{{.*?}}", "x", text, flags=re.S)
    assert inline_code(text) == [], path


def test_templates_were_found():
    assert len(TEMPLATES) > 50


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    return host_config


def test_every_page_carries_the_policy_and_no_inline_code(app, admin_client, client):
    """Every GET route of every addon, as an administrator and anonymously:
    the policy is on the answer, and no HTML answer carries inline code (the
    markup views build in Python included)."""
    registry = app.extensions["host"]
    for addon in registry.loaded():
        registry.enable(addon.name)
    registry.forget_cache()
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = re.sub(r"<any\(([^,)]+)[^>]*>", lambda m: m.group(1).strip(" '\""), rule.rule)
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", url)
        for who in (admin_client, client):
            response = who.get(url)
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
            if response.mimetype == "text/html":
                assert inline_code(response.get_data(as_text=True)) == [], (rule.endpoint, url)
            checked += 1
    assert checked > 80
