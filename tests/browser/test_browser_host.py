"""The host's pages in a real browser: login, contacts, Apps, Settings."""

import re

import pytest
from playwright.sync_api import expect

from host import FieldButton, Manifest, hookimpl
from host.models import Contact
from host.testing import PASSWORD
from tests.browser.conftest import login, screenshot


class DialerAddon:
    """A test addon: a call button next to a contact's phone number."""

    manifest = Manifest(
        name="dialer",
        title="Dialer",
        summary="Call a contact from their form.",
        icon="📞",
        category="Productivity",
    )

    @hookimpl
    def record_field_buttons(self, model, record):
        if model != "contact" or not record.phone:
            return []
        return [
            FieldButton(
                id="dialer-call",
                label="Call",
                title=f"Call {record.phone}",
                url=f"tel:{record.phone.replace(' ', '')}",
                field="phone",
                icon="📞",
            )
        ]


@pytest.fixture
def host_config(host_config):
    host_config["HOST_EXTRA_ADDONS"] = [*host_config["HOST_EXTRA_ADDONS"], DialerAddon()]
    return host_config


@pytest.fixture
def marie(app):
    return Contact.create(
        name="Marie Dubois",
        company_name="Dubois & Fils",
        email="marie.dubois@example.com",
        phone="+32 2 555 12 34",
        mobile="+32 470 12 34 56",
        street="Rue Gheude 56",
        zip="1070",
        city="Brussels",
        country="BE",
        website="https://dubois.example.com",
    )


def test_login_rejects_a_wrong_password_and_submits_with_enter(page, live_server, admin):
    page.goto("/login")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page.get_by_label("Email")).to_have_value("admin@example.com")

    # The keyboard alone: Enter in the password field submits the form.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_text("Admin · admin")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_create_a_contact_with_validation_then_find_it(page, live_server, user):
    # A contact written by the test thread is visible to the server's threads.
    Contact.create(name="Zoe Other", email="zoe@example.com", city="Ghent", country="BE")
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto("/contacts")
    page.get_by_role("link", name="New").click()
    page.get_by_label("Name", exact=True).fill("Jan Peeters")
    page.get_by_label("Email").fill("jan.peeters@")
    page.get_by_label("Phone").fill("+32 3 555 00 11")
    page.get_by_label("City").fill("Antwerp")
    page.get_by_label("Country").select_option("BE")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".alert-error")).to_contain_text("The contact was not saved")
    email_row = page.locator('[data-field="email"]')
    expect(email_row).to_have_class(re.compile(r"\bhas-error\b"))
    expect(email_row.get_by_role("alert")).to_have_text("Enter an email such as jane@example.com.")
    # What was typed is kept.
    expect(page.get_by_label("Name", exact=True)).to_have_value("Jan Peeters")
    expect(page.get_by_label("City")).to_have_value("Antwerp")

    page.get_by_label("Email").fill("jan.peeters@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_have_text("Jan Peeters saved.")
    expect(page).to_have_url(re.compile(r"/contacts/\d+$"))
    expect(page.locator(".chatter")).to_contain_text("Contact created.")

    page.locator(".breadcrumb").get_by_role("link", name="Contacts").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Jan Peeters")).to_contain_text("jan.peeters@example.com")
    # The bulk bar waits for a selection.
    bulk_bar = page.locator(".bulk-bar")
    expect(bulk_bar).to_be_hidden()
    page.get_by_role("checkbox", name="Select Jan Peeters").check()
    expect(bulk_bar).to_be_visible()
    expect(bulk_bar.locator(".bulk-count")).to_have_text("1 selected")
    page.get_by_role("checkbox", name="Select Jan Peeters").uncheck()
    expect(bulk_bar).to_be_hidden()

    page.get_by_role("searchbox", name="Search contacts").fill("peeters")
    page.get_by_role("searchbox", name="Search contacts").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=peeters"))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Jan Peeters")
    expect(page.get_by_text("1 contact", exact=True)).to_be_visible()

    # A click on the row opens the contact.
    rows.get_by_text("Antwerp").click()
    expect(page.get_by_label("Email")).to_have_value("jan.peeters@example.com")


def _set_addon(page, name, action):
    page.goto("/apps")
    card = page.locator(f'article[data-addon="{name}"]')
    page.once("dialog", lambda dialog: dialog.accept())  # Disable asks first
    card.get_by_role("button", name=action, exact=True).click()
    expect(card.locator("[data-state]")).to_have_text(f"{action.lower()}d")


def test_enabling_an_addon_adds_its_button_next_to_the_phone(page, live_server, admin, marie):
    login(page, live_server, "admin@example.com", PASSWORD)
    contact_url = f"/contacts/{marie.id}"
    call = page.locator('[data-action="dialer-call"]')
    page.goto(contact_url)
    expect(page.get_by_label("Phone")).to_have_value("+32 2 555 12 34")
    expect(call).to_have_count(0)

    _set_addon(page, "dialer", "Enable")
    expect(page.locator(".flash-success")).to_have_text("Enabled Dialer.")
    page.goto(contact_url)
    phone = page.locator('[data-field="phone"]')
    button = phone.get_by_role("link", name="Call")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("href", "tel:+3225551234")
    expect(button).to_have_attribute("title", "Call +32 2 555 12 34")
    # Next to the Phone field: on its row, to the right of the input.
    box, field = button.bounding_box(), page.get_by_label("Phone").bounding_box()
    assert box["x"] >= field["x"] + field["width"] - 1
    assert abs((box["y"] + box["height"] / 2) - (field["y"] + field["height"] / 2)) < 8
    # Inside the sheet, not pushed under the chatter by a wide column.
    sheet = page.locator("#contact-form").bounding_box()
    assert box["x"] + box["width"] <= sheet["x"] + sheet["width"]
    expect(call).to_have_count(1)  # only on the phone, not on the mobile

    page.get_by_placeholder("Log an internal note...").fill(
        "Called about the renewal: she wants the Expert pack."
    )
    page.get_by_role("button", name="Log note").click()
    expect(page.locator(".chatter-messages")).to_contain_text("she wants the Expert pack")
    screenshot(page, "contact")

    _set_addon(page, "dialer", "Disable")
    page.goto(contact_url)
    expect(page.get_by_label("Phone")).to_be_visible()
    expect(call).to_have_count(0)


def test_settings_search_filters_blocks_without_reloading(page, live_server, admin, enable):
    enable("iap")
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/settings")
    iap = page.locator('[data-block="iap"]')
    company = page.locator('[data-block="company"]')
    expect(iap).to_be_visible()
    expect(company).to_be_visible()
    page.evaluate("window.notReloaded = true")

    page.get_by_placeholder("Search...").press_sequentially("IAP")
    expect(iap).to_be_visible()
    expect(iap.get_by_role("link", name="View My Services")).to_be_visible()
    expect(company).to_be_hidden()
    expect(page.locator('[data-section="Companies"]')).to_be_hidden()
    expect(page.locator("[data-settings-empty]")).to_be_hidden()

    page.get_by_placeholder("Search...").fill("no such setting")
    expect(iap).to_be_hidden()
    expect(page.locator("[data-settings-empty]")).to_be_visible()

    page.get_by_placeholder("Search...").fill("")
    expect(iap).to_be_visible()
    expect(company).to_be_visible()
    assert page.evaluate("window.notReloaded") is True


def test_contact_form_refuses_a_bad_number_and_shows_the_international_format(
    page, live_server, user
):
    login(page, live_server, "user@example.com", PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/contacts/new")
    # On a phone the labels stand above full-width fields.
    name = page.get_by_label("Name", exact=True)
    label = page.locator('[data-field="name"] label').bounding_box()
    assert name.bounding_box()["width"] > 300
    assert label["y"] + label["height"] <= name.bounding_box()["y"]

    name.fill("Eva Peeters")
    page.get_by_label("Country").select_option("BE")
    page.get_by_label("Mobile").fill("abc123")
    page.get_by_role("button", name="Save").click()
    mobile = page.locator('[data-field="mobile"]')
    expect(mobile).to_have_class(re.compile(r"\bhas-error\b"))
    expect(mobile.get_by_role("alert")).to_have_text(
        "This is not a valid phone number of Belgium: give it with its country code, "
        "such as +32 470 12 34 56."
    )
    expect(page.get_by_label("Mobile")).to_have_value("abc123")

    page.get_by_label("Mobile").fill("0470 12 34 56")  # read as a Belgian number
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_have_text("Eva Peeters saved.")
    expect(page.get_by_label("Mobile")).to_have_value("+32 470 12 34 56")


def test_apps_page_names_what_depends_on_an_addon_and_asks_before_disabling(
    page, live_server, admin, enable
):
    enable("widget")  # and iap, which it needs
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/apps")
    iap = page.locator('article[data-addon="iap"]')
    widget = page.locator('article[data-addon="widget"]')
    expect(iap.get_by_role("heading")).to_have_text("In-App Purchases")
    expect(iap.locator("[data-state]")).to_have_text("enabled")
    expect(widget.locator("[data-depends]")).to_have_text("Needs: In-App Purchases")
    # The hooks are behind Technical details.
    hooks = iap.locator(".hooks")
    expect(hooks).to_be_hidden()
    iap.get_by_text("Technical details").click()
    expect(hooks).to_be_visible()
    # iap cannot go while Widgets needs it: greyed out, and the reason named.
    expect(iap.get_by_role("button", name="Disable")).to_be_disabled()
    expect(iap.locator("[data-needed-by]")).to_have_text("Needed by Widgets: disable it first.")
    # Disabling asks first; saying no changes nothing.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    widget.get_by_role("button", name="Disable").click()
    expect(widget.locator("[data-state]")).to_have_text("enabled")
    assert asked and asked[0].startswith("Disable Widgets?")
    _set_addon(page, "widget", "Disable")
    expect(iap.get_by_role("button", name="Disable")).to_be_enabled()
    expect(iap.locator("[data-needed-by]")).to_have_count(0)


@pytest.fixture
def with_sms(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = (*host_config["HOST_BUILTIN_ADDONS"], "addons.sms.plugin")
    return host_config


def test_settings_show_only_the_fields_that_apply(with_sms, page, live_server, admin, enable):
    enable("sms")
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/settings")
    twilio = page.locator("#sms-twilio")
    outbox = page.locator("input[name=gateway][value=outbox]")
    expect(outbox).to_be_checked()
    expect(twilio).to_be_hidden()
    expect(page.get_by_label("Auth Token")).to_be_hidden()
    page.locator("input[name=gateway][value=twilio]").check()
    expect(twilio).to_be_visible()
    expect(page.get_by_label("Account SID")).to_be_visible()
    outbox.check()
    expect(twilio).to_be_hidden()
    # The company's country is chosen from a list, not typed as a code.
    expect(page.get_by_label("Country")).to_have_value("BE")
    page.get_by_label("Country").select_option(label="France")
    page.locator('[data-block="company"]').get_by_role("button", name="Save").click()
    expect(page.get_by_label("Country")).to_have_value("FR")
    # Two columns on a desktop: the sections sit side by side.
    sections = page.locator(".settings-section")
    first, second = sections.nth(0).bounding_box(), sections.nth(1).bounding_box()
    assert second["x"] > first["x"] + first["width"] - 1 and abs(second["y"] - first["y"]) < 2


def test_bulk_delete_asks_first(page, live_server, user, marie):
    Contact.create(name="Jan Peeters", city="Antwerp")
    login(page, live_server, user.email, PASSWORD)
    page.goto("/contacts")
    rows = page.locator("table.list tbody tr")
    page.get_by_role("checkbox", name="Select Marie Dubois").check()
    delete = page.locator(".bulk-bar").get_by_role("button", name="Delete")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    delete.click()
    expect(rows).to_have_count(2)
    assert asked == [
        "Delete the selected contacts? Their notes go with them; "
        "what the apps sent them stays in their history."
    ]

    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(page.locator(".flash-success")).to_have_text("1 contact deleted.")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Jan Peeters")
