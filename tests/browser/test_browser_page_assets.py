"""The page_assets example in a real browser: its script and stylesheet,
linked by the host's page, run under the Content-Security-Policy (the
``context`` fixture fails the test on any violation)."""

import pytest
from playwright.sync_api import expect

from examples.hooks import page_assets
from host.testing import PASSWORD
from tests.browser.conftest import login


@pytest.fixture
def host_config(host_config):
    host_config["HOST_EXTRA_ADDONS"] = [*host_config["HOST_EXTRA_ADDONS"], page_assets]
    return host_config


def test_the_counter_counts_under_the_chatter_box(page, live_server, user, contact, enable):
    enable("charcount")
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto(f"/contacts/{contact.id}")
    counter = page.locator(".charcount")
    expect(counter).to_have_text("0 / 10000")
    page.get_by_label("Log note").fill("Called back")
    expect(counter).to_have_text("11 / 10000")
    # The stylesheet is applied too: 0.8rem of the root's 16px.
    assert counter.evaluate("e => getComputedStyle(e).fontSize") == "12.8px"


def test_other_pages_do_not_get_it(page, live_server, user, enable):
    enable("charcount")
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto("/contacts/new")
    expect(page.get_by_label("Name", exact=True)).to_be_visible()
    expect(page.locator(".charcount")).to_have_count(0)
