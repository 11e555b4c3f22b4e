"""Partner Autocomplete's "done when", in a real browser: a new user types
part of a sample company's name into a new company contact, picks it from the
dropdown with the keyboard, sees the fields filled, saves, and finds the
credit spent and the company card in the chatter; typed fields are not
overwritten without asking; out of credits, the Buy credits prompt; at
390 px wide the dropdown fits the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from addons.iap import balance, grant
from host.testing import PASSWORD
from tests.addons.partner_autocomplete.fake_vies import FakeVies
from tests.browser.conftest import login


@pytest.fixture
def fake_vies():
    server = FakeVies(slow_seconds=1).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def host_config(host_config, fake_vies):
    host_config["HOST_BUILTIN_ADDONS"] = (
        *host_config["HOST_BUILTIN_ADDONS"],
        "addons.partner_autocomplete.plugin",
    )
    host_config.update(VIES_URL=fake_vies.url, PARTNER_AUTOCOMPLETE_VIES_TIMEOUT=30)
    return host_config


@pytest.fixture
def register(app, enable):
    from addons.partner_autocomplete import register as company_register

    enable("partner_autocomplete")
    company_register.load(company_register.SAMPLE)
    return app


def _options(page):
    return page.get_by_role("listbox", name="Company suggestions").get_by_role("option")


def _new_company(page, base_url):
    page.goto(f"{base_url}/contacts/new")
    page.get_by_label("Is a Company").check()


def test_a_new_user_fills_a_contact_from_the_dropdown(register, user, page, live_server):
    grant("partner_autocomplete", 2, reason="Test credits")
    login(page, live_server, user.email, PASSWORD)
    _new_company(page, live_server)
    name = page.get_by_role("combobox", name="Name")
    name.press_sequentially("grubr tex", delay=30)
    options = _options(page)
    expect(options.first).to_contain_text("Blue Gruber Textiles AG")
    expect(options.first).to_contain_text("Wien, Austria · ATU00806360")
    name.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    name.press("Enter")
    expect(page.get_by_label("City")).to_have_value("Wien")
    expect(name).to_have_value("Blue Gruber Textiles AG")
    expect(page.get_by_label("VAT Number")).to_have_value("ATU00806360")
    expect(page.get_by_label("Country")).to_have_value("AT")
    expect(page.get_by_label("Website")).to_have_value("https://www.blue-gruber-textiles.at")
    page.get_by_role("button", name="Save").click()
    card = page.locator(".message.kind-company")
    expect(card).to_contain_text("Source: company register")
    expect(card).to_contain_text("Employees:")
    expect(card).to_contain_text("LEI:")
    assert balance("partner_autocomplete") == 1


def test_typed_fields_are_kept_or_replaced_on_request(register, admin, page, live_server):
    grant("partner_autocomplete", 1, reason="Test credits")
    login(page, live_server, admin.email, PASSWORD)
    _new_company(page, live_server)
    page.get_by_label("Phone").fill("+43 1 555 0000")
    page.get_by_label("City").fill("Vienna")
    page.get_by_role("combobox", name="Website").press_sequentially("blue-gruber-tex", delay=30)
    _options(page).first.click()
    expect(page.get_by_label("VAT Number")).to_have_value("ATU00806360")
    conflicts = page.locator(".pa-conflict")
    expect(conflicts).to_have_count(2)
    conflicts.filter(has_text="Phone").get_by_role("button", name="Keep mine").click()
    conflicts.filter(has_text="City").get_by_role("button", name="Use suggested").click()
    expect(page.get_by_label("Phone")).to_have_value("+43 1 555 0000")
    expect(page.get_by_label("City")).to_have_value("Wien")
    expect(page.locator(".pa-conflict")).to_have_count(0)


def test_out_of_credits_the_dropdown_works_and_buy_credits_shows(
    register, admin, page, live_server
):
    login(page, live_server, admin.email, PASSWORD)
    _new_company(page, live_server)
    page.get_by_role("combobox", name="Name").press_sequentially("gruber textil", delay=30)
    _options(page).first.click()
    expect(page.get_by_role("link", name="Buy credits")).to_be_visible()
    expect(page.get_by_label("City")).to_have_value("")
    assert balance("partner_autocomplete") == 0


def test_a_wrong_vat_number_is_explained_at_once(register, admin, page, live_server):
    login(page, live_server, admin.email, PASSWORD)
    _new_company(page, live_server)
    page.get_by_role("combobox", name="VAT Number").press_sequentially("BE0477472702", delay=20)
    expect(page.get_by_text("Wrong check digits for Belgium")).to_be_visible()


def test_the_dropdown_fits_a_phone_screen(register, admin, page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, admin.email, PASSWORD)
    _new_company(page, live_server)
    page.get_by_role("combobox", name="Name").press_sequentially("nord janss", delay=30)
    listbox = page.get_by_role("listbox", name="Company suggestions")
    expect(listbox).to_be_visible()
    box = listbox.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_a_person_gets_no_suggestions_a_company_gets_rows_with_initials_ranked_by_country(
    register, admin, page, live_server
):
    login(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server}/contacts/new")  # "Is a Company" not ticked: a person
    name = page.get_by_role("combobox", name="Name")
    name.press_sequentially("blue textiles", delay=20)
    page.wait_for_timeout(600)  # past the debounce: no dropdown for a person
    expect(page.get_by_role("listbox", name="Company suggestions")).to_be_hidden()
    page.get_by_label("Is a Company").check()
    page.get_by_label("Country").select_option("CH")
    name.press("End")
    with page.expect_request(lambda r: "/partner_autocomplete/suggest" in r.url) as asked:
        name.press("Backspace")
    assert "country=CH" in asked.value.url
    first = _options(page).first
    expect(first).to_contain_text("Switzerland")
    expect(first.locator(".widget-avatar")).to_have_text("BB")
