"""An addon's mistakes stay its own: wrong return types, wrappers, and hooks
implemented without depending on the addon that publishes them."""

from __future__ import annotations

import types

import pytest

from host import Button, Manifest, hookimpl, hookspec
from host.testing import HostClient, log_in
from tests.host.addon_kit import close_app, make_addon, rebuild


@pytest.fixture
def built(app):
    """Build an app on ``app``'s database with the given addons enabled."""
    apps = []

    def build(*addons, enable=()):
        new = rebuild(app, *addons)
        apps.append(new)
        with new.app_context():
            for name in enable:
                new.extensions["host"].enable(name)
        return new

    yield build
    for new in apps:
        close_app(new)


def _admin_page(new, url):
    from host.models import User

    new.test_client_class = HostClient
    with new.app_context():
        client = log_in(new.test_client(), User.get(User.email == "admin@example.com"))
    return client.get(url)


def _header_buttons(result):
    def record_header_buttons(model, record):
        return result()

    return record_header_buttons


def _good(name):
    return Button(id=f"{name}-ok", label=f"{name} OK", url=f"/{name}", target="post")


@pytest.mark.parametrize(
    "result, expected",
    [
        (lambda: {"id": "x", "label": "Oops"}, "returned a dict"),
        (lambda: (_good("gen") for _ in range(1)), "returned a generator"),
        (lambda: [{"id": "x"}, _good("mixed")], "returned a dict ({'id': 'x'}) in its list"),
        (lambda: "Button", "returned a str"),
    ],
    ids=["dict", "generator", "dict-in-list", "str"],
)
def test_a_wrong_return_type_keeps_the_page_up(built, admin, contact, result, expected):
    bad = make_addon("bad", record_header_buttons=_header_buttons(result))
    fine = make_addon("fine", record_header_buttons=_header_buttons(lambda: [_good("fine")]))
    new = built(bad, fine, enable=("bad", "fine"))
    page = _admin_page(new, f"/contacts/{contact.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "fine OK" in html and "Oops" not in html
    if expected.endswith("in its list"):  # the addon's good items still show
        assert "mixed OK" in html
    errors = new.extensions["host"].addons["bad"].runtime_errors
    assert any(expected in e and "Button" in e for e in errors), errors
    apps = _admin_page(new, "/apps").get_data(as_text=True)
    assert "failing" in apps and expected.split(" (")[0] in apps


@pytest.mark.parametrize("style", ["wrapper", "hookwrapper"])
def test_wrapper_implementations_are_refused_at_load(built, admin, contact, style):
    def record_header_buttons(model, record):
        yield  # a wrapper around every addon's buttons

    plugin = types.SimpleNamespace(
        manifest=Manifest(name="wrapping", title="Wrapping"),
        record_header_buttons=hookimpl(**{style: True})(record_header_buttons),
    )
    fine = make_addon("fine", record_header_buttons=_header_buttons(lambda: [_good("fine")]))
    new = built(plugin, fine, enable=("fine",))
    addon = new.extensions["host"].addons["wrapping"]
    assert not addon.loaded
    assert "wrapper implementation(s) of record_header_buttons" in addon.error
    page = _admin_page(new, f"/contacts/{contact.id}")
    assert page.status_code == 200 and "fine OK" in page.get_data(as_text=True)


class _PublishedSpecs:
    @hookspec
    def kit_greetings(self) -> list:
        """Greetings other addons contribute."""


def test_implementing_another_addons_hook_needs_a_dependency(built):
    publisher = types.SimpleNamespace(
        manifest=Manifest(name="publisher", title="Publisher", hookspecs=_PublishedSpecs)
    )
    # Listed first, so the hook would even be unknown when it registers.
    forgetful = make_addon("forgetful", kit_greetings=lambda: ["hi"])
    careful = make_addon("careful", depends=("publisher",), kit_greetings=lambda: ["hello"])
    new = built(forgetful, publisher, careful)
    reg = new.extensions["host"]
    assert reg.addons["careful"].loaded
    assert reg.addons["forgetful"].error == (
        "addon 'forgetful' implements kit_greetings (published by 'publisher') without "
        "depending on 'publisher': add it to the manifest's depends"
    )


def test_enabling_an_addon_enables_its_dependencies_and_says_so(built, admin):
    base = make_addon("groundwork")
    top = make_addon("rooftop", depends=("groundwork",))
    new = built(base, top)
    from host.models import User

    new.test_client_class = HostClient
    with new.app_context():
        client = log_in(new.test_client(), User.get(User.email == "admin@example.com"))
    page = client.post("/apps/rooftop/enable", follow_redirects=True).get_data(as_text=True)
    assert "Enabled Rooftop, and Groundwork, which it depends on." in page
    with new.app_context():
        assert {"groundwork", "rooftop"} <= new.extensions["host"].enabled_names()
