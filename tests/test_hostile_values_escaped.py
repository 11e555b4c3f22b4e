"""Every text a user can set comes back as text (issue 11, "make it
inherited"). The forms are found on the pages themselves, from the home page
and each addon's sample records (``tests/addons/<addon>/samples.py``, see
``tests/page_walk.py``): the edit form of each record, a contact's fields,
the chatter, settings, composers. As the administrator, then as the demo
user (whose texts administrators read), each of their text fields is posted
hostile text (markup, attributes breaking out of their quotes, a
``javascript:`` URL in a link field, ``{{7*7}}``, bidi overrides and zero
widths, and first a very long string); then every page reachable from the
home page, the samples and the forms' pages, the fragments and JSON states
they poll included, renders it inert, for an administrator and for the demo
user: no injected element, event attribute or script, no ``javascript:``
link, no template evaluated. A new addon's forms are covered once it ships
its samples module, without an edit here."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from addons.iap import grant
from addons.itsme_sign import lifecycle
from addons.snailmail import sending
from addons.snailmail.models import Letter
from host import Contact, demo
from host.config import BUILTIN_ADDONS
from host.models import User
from host.testing import log_in
from tests.addons.digitization.conftest import corpus_document, upload
from tests.addons.itsme_sign import documents as itsme_documents
from tests.addons.snailmail import documents as letter_documents
from tests.page_walk import discover, make_samples, samples_config, shape, walk

# An element, attributes breaking out of double and single quotes, a
# script, a template expression, a right-to-left override and a zero width.
HOSTILE = (
    "<script>alert('xss1')</script>\"><img src=x onerror=alert(2)>' onmouseover='alert(3)"
    " [{{7*7}}]\u202e\u200b"
)
SHORT = '"><i onx=1>[{{7*7}}]'  # for fields of 20 to 90 characters
SHORTEST = '"><i onx=1>'  # and down to 11
JAVASCRIPT = "javascript:alert(4)"
LONG = "L" * 10_000
# Link fields: a URL the page may print as an href.
LINKISH = re.compile(r"url|website|link|href|site", re.I)
# Mail wordings are sandboxed templates by design (an administrator writes
# ``{{ name }}``): their preview rightly evaluates ``{{7*7}}``, so they get
# the other payloads only.
TEMPLATED = re.compile(r"^/mail-templates/")
# Posted last, with or without a text field: they end the record the other
# forms work on and carry its texts on (a lead converted into contacts, a
# document validated); never posted: the ones that remove it, whose texts
# no page shows any more.
ENDING = re.compile(r"/(send|convert|validate)$")
REMOVING = re.compile(r"/(delete|remove|cancel|reopen|logout)$")
# Attributes a browser (or the pages' script) follows or loads.
LINK_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster",
    "data-href", "data-url", "data-src", "data-poll", "data-dialog", "data-preview",
}  # fmt: skip
# A valid value for a required field the page leaves empty, so that a form
# needing it (a new user's email, a blacklisted number) takes the hostile
# text of its other fields.
PHONEISH = re.compile(r"phone|mobile|number", re.I)
REFUSED = 'class="flash flash-error"'
ESCAPED = ("&lt;script&gt;alert(", "&#34;&gt;&lt;i onx=1&gt;", "&#34;&gt;&lt;img src=x")


class _Injected(HTMLParser):
    """What on a page came from the hostile values as live markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self._evaluated(value or "")
            # The pages have no inline handler (the CSP refuses them): any is injected.
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name in LINK_ATTRIBUTES and re.sub(
                r"[\s\x00-\x1f]", "", value or ""
            ).lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        self._script = tag == "script"

    def handle_data(self, data):
        if self._script and "alert(" in data:
            self.found.append("a script running alert()")
        self._evaluated(data)

    def _evaluated(self, text: str) -> None:
        if "[49]" in text:
            self.found.append("{{7*7}} evaluated as a template")

    def handle_endtag(self, tag):
        self._script = False


def injected(html: str) -> list[str]:
    parser = _Injected()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_checker_finds_injected_markup():
    assert injected(HOSTILE) == ["a script running alert()", "<img onerror=…>"]
    assert injected('<input value="' + SHORT + '">') == ["<i onx=…>"]
    assert injected('<input value="&quot;&gt;&lt;i onx=1&gt;[{{7*7}}]">') == []
    assert injected(f'<a href=" {JAVASCRIPT}">x</a>') == [f"<a href=' {JAVASCRIPT}'>"]
    assert injected(f'<a href="/x?next={JAVASCRIPT}">{JAVASCRIPT}</a>') == []
    assert injected(f'<input value="{JAVASCRIPT}">') == []
    assert injected("<td>[49]</td>") == ["{{7*7}} evaluated as a template"]
    assert injected('<input value="[49]">') == ["{{7*7}} evaluated as a template"]


def _json_html(value) -> list[str]:
    """The HTML a JSON answer carries for the page to insert (its ``html``
    keys); its other strings are set as text by the pages' script."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if "html" in str(key).lower() and isinstance(item, str):
                found.append(item)
            else:
                found += _json_html(item)
        return found
    if isinstance(value, list):
        return [html for item in value for html in _json_html(item)]
    return []


def _payloads(form, name: str) -> list[str]:
    """The values to try in a field, most hostile first: the app may
    refuse one (too long, not an email) and take the next."""
    link = form.texts[name] == "url" or LINKISH.search(name)
    payloads = [JAVASCRIPT] * bool(link) + [HOSTILE, SHORT, SHORTEST]
    if TEMPLATED.match(form.action):
        return [payload.replace("{{7*7}}", "7*7") for payload in payloads]
    return payloads


def _plain(form, name: str) -> str:
    kind = form.texts.get(name, "")  # a password too
    if kind == "email" or "email" in name:
        return f"plain.{len(name)}{form.page.count('/')}@example.com"
    if kind == "url" or LINKISH.search(name):
        return "https://example.com/"
    if kind == "tel" or PHONEISH.search(name):
        return "+32470123456"  # not the one the SMS samples blacklist
    return "Plain text 1"


def _post(client, form, body, *, fetch=False) -> bool:
    """Whether the app took the form: neither a 4xx nor a page that says
    why not (a redirect back with an error, the pattern of some forms).
    ``fetch``: posted as the pages' script posts, for a JSON or a dialog."""
    headers = {"Referer": form.page} | ({"X-Requested-With": "fetch"} if fetch else {})
    response = client.post(form.action, data=body, headers=headers, follow_redirects=True)
    assert response.status_code < 500, (form.action, body, response.status_code)
    # The answer itself (a preview, an error quoting the value) is a page too.
    html = _html(response)
    assert injected(html) == [], (form.action, body)
    return response.status_code < 400 and REFUSED not in html


def _fill(client, form) -> list[str]:
    """Post the form with hostile text in each text field; the names of
    the fields the app took. A very long text first: refused with a message
    or stored, never a 500 (the hostile one then replaces it)."""
    body = {name: values[0] for name, values in form.fields.items() if values}
    if not form.texts:  # a Convert, a Validate: the texts go on to a new record
        _post(client, form, body)
        return []
    _post(client, form, {**body, **dict.fromkeys(form.texts, LONG)})
    every = {name: _payloads(form, name)[0] for name in form.texts}
    _post(client, form, {**body, **every}, fetch=True)
    if _post(client, form, {**body, **every}):
        return sorted(every)
    # Refused as a whole: one field at a time, each keeping what was taken,
    # the required empty ones given a valid value meanwhile.
    body.update({name: _plain(form, name) for name in form.required - set(body)})
    for plain in ({}, {name: _plain(form, name) for name in form.texts}):
        # Then with every empty field valid: a field the page does not mark
        # required may be needed all the same (a blacklisted number).
        body = {**plain, **body}
        taken = []
        for name in form.texts:
            for payload in _payloads(form, name):
                if _post(client, form, {**body, name: payload}):
                    body[name] = payload
                    taken.append(name)
                    break
        if taken:
            return taken
    return []


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    host_config.update(samples_config())
    return host_config


def _fill_all(client, starts: list[str]):
    """The forms reachable from the home page and ``starts``, each filled
    hostile, the ending ones last: the forms, and the fields each took."""
    forms = [
        form
        for form in discover(client, starts).values()
        if (form.texts or ENDING.search(form.action)) and not REMOVING.search(form.action)
    ]
    forms.sort(key=lambda form: bool(ENDING.search(form.action)))
    return forms, {form.action: _fill(client, form) for form in forms}


@pytest.fixture
def hostile_app(app):
    return app, spoil(app)


def spoil(app) -> list[str]:
    """The demo data and every addon's samples, each text field of their
    forms posted hostile; the pages to walk from (the browser test's too)."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    messages = list(demo.load(app))
    assert not [m for m in messages if m.startswith("could not")], messages
    admin = User.get(User.email == demo.ADMIN_EMAIL)
    client = log_in(app.test_client(), admin)
    starts = make_samples(client, admin)
    for service in ("digitization", "sms", "snailmail"):  # so that sending works
        grant(service, 5, reason="hostile walk")
    forms, taken = _fill_all(client, starts)
    # The forms of records, a contact's fields and the chatter took them.
    assert sum(map(len, taken.values())) > 40, taken
    shapes = {shape(action) for action, names in taken.items() if names}
    assert {"/contacts/N", "/contacts/new", "/chatter/contact/N"} <= shapes, sorted(shapes)
    # A user's texts are shown to administrators: the demo user types them too,
    # in the forms their access groups open (their own records, the chatter).
    user = log_in(app.test_client(), User.get(User.email == demo.DEMO_USER_EMAIL))
    user_forms, taken = _fill_all(user, starts)
    assert "/chatter/contact/N" in {shape(a) for a, names in taken.items() if names}, taken
    forms += user_forms

    # Set from an uploaded file (its name, a sign request's name given with
    # its PDF): discovery posts no file, so these are made by hand.
    bill, _ = corpus_document("bill", 0)
    upload(client, "bills", (SHORT + ".pdf", bill))
    lifecycle.create(HOSTILE, SHORT + ".pdf", itsme_documents.pdf(1), admin)
    # A letter is sent only to an address the print shop takes, which the
    # hostile contacts no longer have: one made as the composer makes it.
    marie = Contact.get(Contact.name == "Marie Dubois")
    Letter.create(
        model="contact", res_id=marie.id, contact=marie.id, author=admin, subject=HOSTILE,
        filename=SHORT + ".pdf", document=letter_documents.pdf(1),
        address=json.dumps(sending.contact_address(marie)),
    )  # fmt: skip
    # The Letters list's script asks for its rows' states with their ids.
    letters = ",".join(str(letter.id) for letter in Letter.select(Letter.id))
    return [
        *starts,
        f"/contacts/{marie.id}",
        f"/snailmail/letters/states?ids={letters}",
        *sorted({form.page for form in forms}),
    ]


def _html(response) -> str:
    """An answer's HTML, or the HTML its JSON carries."""
    if response.mimetype == "application/json":
        return "\n".join(_json_html(json.loads(response.get_data(as_text=True))))
    return response.get_data(as_text=True) if response.mimetype == "text/html" else ""


def _walk(client, starts: list[str]) -> dict[str, str]:
    """The HTML of every page reachable from the home page and the starts
    in three clicks, and the HTML the JSON answers carry."""
    return {
        path: _html(response)
        for path, response in walk(client, ["/", *starts], 3)
        if response.status_code == 200 and response.mimetype in ("text/html", "application/json")
    }


@pytest.mark.parametrize("email", [demo.ADMIN_EMAIL, demo.DEMO_USER_EMAIL])
def test_every_page_renders_hostile_values_as_text(hostile_app, email):
    app, starts = hostile_app
    client = log_in(app.test_client(), User.get(User.email == email))
    pages = _walk(client, starts)
    assert len(pages) > (60 if email == demo.ADMIN_EMAIL else 15), sorted(pages)
    found = {path: injected(html) for path, html in pages.items()}
    assert {path: what for path, what in found.items() if what} == {}
    # The values were really on the pages (escaped), not only absent.
    shown = [path for path, html in pages.items() if any(text in html for text in ESCAPED)]
    assert len(shown) > (25 if email == demo.ADMIN_EMAIL else 5), sorted(shown)
