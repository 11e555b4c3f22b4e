"""Field widgets in a real browser: type-ahead on the contact form, filling
other fields on choice, and asking before replacing what the user typed."""

import pytest
from playwright.sync_api import expect

from examples.hooks import field_widget
from host.testing import PASSWORD
from tests.browser.conftest import login


@pytest.fixture
def host_config(host_config):
    host_config["HOST_EXTRA_ADDONS"] = [*host_config["HOST_EXTRA_ADDONS"], field_widget]
    return host_config


def test_typing_suggests_and_choosing_fills_the_form(page, live_server, user, enable):
    enable("directory")
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto("/contacts/new")
    name = page.get_by_label("Name", exact=True)
    name.press_sequentially("prox")
    options = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Proximus SA")
    expect(options.first).to_contain_text("BE0202239951 · Brussels")
    expect(name).to_have_attribute("aria-expanded", "true")
    name.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    name.press("Enter")  # chooses; does not submit the form
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(name).to_have_value("Proximus SA")
    expect(page.get_by_label("VAT Number")).to_have_value("BE0202239951")
    expect(page.get_by_label("Website")).to_have_value("https://www.proximus.be")
    expect(page.get_by_label("City")).to_have_value("Brussels")
    assert page.url.endswith("/contacts/new")

    name.fill("")
    name.press_sequentially("zzz")
    expect(page.get_by_role("listbox")).to_contain_text("No suggestion")
    name.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()


def test_what_the_user_typed_is_replaced_only_if_they_agree(page, live_server, user, enable):
    enable("directory")
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto("/contacts/new")
    website = page.get_by_label("Website")
    website.fill("https://mine.example")
    vat = page.get_by_label("VAT Number")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    vat.press_sequentially("BE0477")
    page.get_by_role("option", name="Odoo SA").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Odoo SA")  # was empty
    expect(vat).to_have_value("BE0477472701")  # the field the user chose in
    expect(website).to_have_value("https://mine.example")  # kept
    assert "Website: https://mine.example → https://www.odoo.com" in questions[0]

    page.once("dialog", lambda dialog: answer(dialog, True))
    vat.fill("")
    vat.press_sequentially("BE0477")
    page.get_by_role("option", name="Odoo SA").click()
    expect(website).to_have_value("https://www.odoo.com")
    assert len(questions) == 2
