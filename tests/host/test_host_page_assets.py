"""Page assets: an addon adds static scripts and stylesheets to a host page
through the ``page_assets`` hook; they are files (no inline code, the CSP
holds), only on the pages the addon asks for, only while it is enabled."""

import re

import pytest

from examples.hooks import page_assets
from host import PageAsset
from tests.host.addon_kit import kit_config, make_addon
from tests.test_no_inline_code import inline_code


@pytest.fixture
def host_config():
    return kit_config(page_assets)


def test_the_contact_page_links_the_files(app, enable, user_client, contact):
    enable("charcount")
    html = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    head, body = html.split("</head>", 1)
    assert '<link rel="stylesheet" href="/charcount/static/charcount.css">' in head
    # After the host's own scripts, so window.host and the page exist.
    scripts = re.findall(r'<script src="([^"]+)"></script>', body)
    assert scripts[-1] == "/charcount/static/charcount.js"
    assert scripts.index("/static/host/widgets.js") < scripts.index(scripts[-1])
    assert inline_code(html) == []
    for url in ("/charcount/static/charcount.css", "/charcount/static/charcount.js"):
        answer = user_client.get(url)
        assert answer.status_code == 200 and b"charcount" in answer.data


def test_only_the_pages_asked_for(app, enable, user_client):
    enable("charcount")
    for url in ("/contacts", "/contacts/new"):
        assert "charcount" not in user_client.get(url).get_data(as_text=True)


def test_a_disabled_addon_adds_nothing(app, user_client, contact):
    assert "charcount" not in user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "static, filename",
    [
        ("charcount.static", "https://cdn.example.com/x.js"),
        ("charcount.static", "/etc/x.js"),
        ("charcount.static", "../secret.js"),
        ("charcount.suggest", "x.js"),  # a view, not a static folder
        ("charcount.static", "x.html"),
    ],
)
def test_only_static_script_and_style_files(static, filename):
    with pytest.raises(ValueError):
        PageAsset(id="x", static=static, filename=filename)


def _inline(endpoint):
    return [{"script": "alert(1)"}]


@pytest.mark.parametrize("host_config", [kit_config(make_addon("rogue", page_assets=_inline))])
def test_an_asset_that_is_not_a_file_is_dropped_and_reported(app, enable, admin_client):
    enable("rogue")
    html = admin_client.get("/contacts").get_data(as_text=True)
    assert "alert(1)" not in html and inline_code(html) == []
    rogue = app.extensions["host"].addons["rogue"]
    assert any("page_assets" in e for e in rogue.runtime_errors)
