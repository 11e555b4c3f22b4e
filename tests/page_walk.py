"""Walking the app as a user does, for the inherited security tests (the
forms fuzz, the hostile values): each built-in addon's samples, the pages
reachable from the home page and from them, and the POST forms they hold.

An addon's ``tests/addons/<addon>/samples.py`` module:

- ``make(client, user) -> list[str]`` makes one record of each kind the app's
  pages show, through the app's own API or its test fixtures, and returns the
  paths of their pages; the walk starts there as well as at the home page.
- ``CONFIG`` (optional): settings its pages need in a test (a loopback
  address instead of an outside service).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from host.config import BUILTIN_ADDONS

# Forms that end the session or switch apps off: they would stop the walk.
SKIP_ACTIONS = re.compile(r"^/(logout|apps/)")
# Links that lead to pages: the href of anchors, and the fragments and JSON
# a page's script loads or polls by itself (any data-* attribute holding a
# path: a status line with its Cancel button, a chatter thread).
LINKS = re.compile(r'(?:href|data-[a-z-]+)="(/[^"#]*)"')
# Inputs a user types text into (an input without a type is a text one).
TEXT_INPUTS = ("text", "search", "email", "url", "tel", None)


def samples_module(addon_path: str):
    name = addon_path.split(".")[1]
    try:
        return importlib.import_module(f"tests.addons.{name}.samples")
    except ModuleNotFoundError as exc:
        if exc.name != f"tests.addons.{name}.samples":
            raise
        return None


def samples_config() -> dict:
    config = {}
    for path in BUILTIN_ADDONS:
        config.update(getattr(samples_module(path), "CONFIG", {}))
    return config


def make_samples(client, user) -> list[str]:
    """Every built-in addon's sample records: the paths of their pages."""
    starts = []
    for path in BUILTIN_ADDONS:
        starts += samples_module(path).make(client, user)
    return starts


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


@dataclass
class Form:
    """A POST form: where it posts, its fields with the page's values, the
    fields a user types text into (name: the input's type, ``textarea``
    for a text area) and the page it was found on."""

    action: str
    fields: dict[str, list[str]]
    texts: dict[str, str] = field(default_factory=dict)
    page: str = ""
    required: set[str] = field(default_factory=set)


class FormsParser(HTMLParser):
    """The POST forms of a page; a field outside its form (``form="id"``),
    a button's ``formaction`` and the live preview a form posts itself to
    (``data-preview``) count too."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._by_id: dict[str, Form] = {}
        self._current: Form | None = None
        self._select: list[str] | None = None
        self._late: list[tuple[str, str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = None
            form = Form(attrs.get("action") or "", {})
            if attrs.get("id"):
                self._by_id[attrs["id"]] = form
            if (attrs.get("method") or "").lower() == "post":
                self._current = form
                self.forms.append(form)
                if attrs.get("data-preview"):
                    self.forms.append(self._sharing(attrs["data-preview"], form))
            return
        if tag == "option" and self._select is not None:
            # The chosen one first: the value a browser posts.
            self._select.insert(
                len(self._select) * ("selected" not in attrs), attrs.get("value") or ""
            )
            return
        for url in (attrs.get("formaction"), attrs.get("data-preview")):
            if url and self._current is not None:
                self.forms.append(self._sharing(url, self._current))
        if tag not in ("input", "select", "textarea", "button"):
            return
        name = attrs.get("name")
        if not name or name == "csrf_token":
            return
        kind = "textarea" if tag == "textarea" else attrs.get("type") if tag == "input" else ""
        form = self._by_id.get(attrs["form"]) if attrs.get("form") else self._current
        if attrs.get("form") and form is None:  # its form comes later on the page
            self._late.append((attrs["form"], name, attrs.get("value") or "", kind))
            return
        if form is None:
            return
        self._add(form, name, attrs.get("value") or "", kind, "checked" in attrs)
        if "required" in attrs:
            form.required.add(name)
        if tag == "select":
            self._select = form.fields[name]

    @staticmethod
    def _sharing(action: str, form: Form) -> Form:
        """Another action posting the same fields (a button's formaction)."""
        return Form(action, form.fields, form.texts, required=form.required)

    @staticmethod
    def _add(form: Form, name: str, value: str, kind: str | None, chosen=False) -> None:
        values = form.fields.setdefault(name, [])
        if value:
            values.insert(0 if chosen else len(values), value)
        if kind == "textarea" or kind in TEXT_INPUTS:
            form.texts[name] = kind or "text"

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None

    def close(self):
        super().close()
        for form_id, name, value, kind in self._late:
            if form_id in self._by_id:
                self._add(self._by_id[form_id], name, value, kind)


def forms_of(path: str, html: str) -> list[Form]:
    """The page's POST forms, their actions made absolute paths."""
    parser = FormsParser()
    parser.feed(html)
    parser.close()
    for form in parser.forms:
        form.action = urlsplit(urljoin(path, form.action.replace("&amp;", "&") or path)).path
        form.page = path
    return parser.forms


def walk(client, starts: list[str], clicks: int) -> Iterator[tuple[str, object]]:
    """``(path, response)`` for every start and every page reachable from
    them in ``clicks`` clicks, one page per URL shape (a contact's page
    stands for all contacts); no answer is a 500."""
    seen: set[str] = set()
    queue = list(dict.fromkeys(starts))
    for _ in range(clicks):
        following = []
        for path in queue:
            response = client.get(path)
            assert response.status_code < 500, (path, response.status_code)
            yield path, response
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for href in LINKS.findall(response.get_data(as_text=True)):
                href = href.replace("&amp;", "&")
                key = shape(href.split("?")[0])
                if key not in seen and "/static/" not in href and not SKIP_ACTIONS.match(href):
                    seen.add(key)
                    following.append(href)
        queue = following


def discover(client, starts: list[str], clicks: int = 4) -> dict[tuple[str, tuple], Form]:
    """The POST forms of the pages reachable in ``clicks`` clicks from the
    home page and ``starts``, one per action shape and field set."""
    forms = {}
    for path, response in walk(client, ["/", *starts], clicks):
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_of(path, response.get_data(as_text=True)):
            if not SKIP_ACTIONS.match(form.action):
                forms.setdefault((shape(form.action), tuple(sorted(form.fields))), form)
    return forms
