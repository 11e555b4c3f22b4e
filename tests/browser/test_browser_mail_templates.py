"""An administrator rewords a mail to outside people, on a phone: the wrong
placeholder is named, the preview follows the saved wording, nothing sticks
out of a 390 px screen. The suggestion list of a field widget fits it too."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from examples.hooks import field_widget, mail_template
from host.testing import PASSWORD
from tests.browser.conftest import login

PHONE = {"width": 390, "height": 844}
LAYOUT_CHECK = (Path(__file__).parent / "layout_check.js").read_text()


@pytest.fixture
def host_config(host_config):
    host_config["HOST_EXTRA_ADDONS"] = [
        *host_config["HOST_EXTRA_ADDONS"],
        mail_template,
        field_widget,
    ]
    return host_config


def _fits(page):
    found = page.evaluate(LAYOUT_CHECK)
    assert found["scroll"] <= 0 and not found["wide"], found


def test_rewording_a_mail_on_a_phone(page, live_server, admin, enable):
    enable("quicksign")
    page.set_viewport_size(PHONE)
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/settings")
    page.get_by_role("link", name="Edit mail templates").click()
    # The layout is measured on the new page, not on one still loading.
    expect(page.get_by_role("heading", name="Mail templates", exact=True)).to_be_visible()
    _fits(page)
    page.get_by_role("link", name="Signature request").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.locator(".mail-preview")).to_contain_text("Hello Jan Peeters,")
    _fits(page)

    page.get_by_label("Body").fill("Dear {{ signr }}, please sign {{ document }}: {{ link }}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text("Unknown placeholder: 'signr' is undefined.")
    _fits(page)

    page.get_by_label("Body").fill("Dear {{ signer }}, please sign {{ document }}: {{ link }}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Signature request saved.")).to_be_visible()
    preview = page.locator(".mail-preview")
    expect(preview).to_contain_text("Dear Jan Peeters, please sign Quote 2026-042")
    expect(preview.get_by_role("link", name="https://example.com/quicksign/s/abc")).to_be_visible()
    page.get_by_role("button", name="Reset to default").click()
    expect(preview).to_contain_text("Hello Jan Peeters,")
    _fits(page)


def test_suggestions_fit_a_phone(page, live_server, user, enable):
    enable("directory")
    page.set_viewport_size(PHONE)
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto("/contacts/new")
    page.get_by_label("VAT Number").press_sequentially("BE0")
    expect(page.get_by_role("listbox", name="Suggestions").get_by_role("option")).to_have_count(2)
    _fits(page)
