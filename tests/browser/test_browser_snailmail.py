"""The snailmail issue's "done when", in a real browser: a user opens a demo
contact, clicks Send by post, writes a short letter, sees page 1 with the
envelope window and the price, sends it and watches its state change in the
chatter without a reload; out of credits, the letter waits with CREDIT_ERROR,
the Letters page offers Buy credits, and Retry sends it. At 390 px too.

Jobs run on the app's real (SQLite) huey queue, consumed by the test's
worker thread; the outbox print shop walks the letter to delivered.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from addons.iap import balance, grant
from host import Setting
from host.demo import CONTACTS, FIELDS
from host.models import Contact
from host.testing import PASSWORD
from tests.browser.conftest import login, screenshot


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = (
        *host_config["HOST_BUILTIN_ADDONS"],
        "addons.snailmail.plugin",
    )
    host_config.update(HOST_JOBS_IMMEDIATE=False, SNAILMAIL_OUTBOX_STEP_DELAY=0)
    return host_config


@pytest.fixture
def snailmail(app, enable):
    enable("snailmail")
    Setting.write("company_country", "BE")
    Setting.write("company_name", "YourCompany")
    return app


@pytest.fixture
def marie(snailmail):
    contacts = [Contact.create(**dict(zip(FIELDS, row, strict=True))) for row in CONTACTS]
    return next(c for c in contacts if c.name == "Marie Dubois")


def write_letter(page, marie):
    page.goto(f"/contacts/{marie.id}")
    page.get_by_role("link", name="Send by post").click()
    expect(page.get_by_role("heading", name="Send by post")).to_be_visible()
    page.get_by_label("Subject").fill("Your order")
    text = "Dear Marie,\n\nYour order is ready.\n\nKind regards"
    page.get_by_label("Letter", exact=True).fill(text)
    page.get_by_role("button", name="Preview").click()


def test_send_a_letter_from_a_demo_contact_and_follow_it(page, live_server, marie, user, worker):
    grant("snailmail", 5, reason="Browser test credits")
    login(page, live_server, "user@example.com", PASSWORD)
    write_letter(page, marie)
    preview = page.get_by_role(
        "img", name="Page 1 as printed, with the envelope window outlined in red"
    )
    expect(preview).to_be_visible()
    assert preview.get_attribute("src").startswith("data:image/png;base64,")
    expect(page.locator("#snailmail-address")).to_have_text(
        "Brasserie Cantillon\nMarie Dubois\nRue Gheude 56\n1070 BRUSSELS\nBELGIUM"
    )
    expect(page.locator("#snailmail-sheets")).to_have_text("1 sheet, 1 page")
    expect(page.locator("#snailmail-price")).to_have_text("1.1 credits")
    expect(page.locator("#snailmail-short")).to_be_hidden()
    page.get_by_label("Color").check()
    expect(page.locator("#snailmail-price")).to_have_text("1.3 credits")
    screenshot(page, "snailmail-composer")

    worker.pause()
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flashes")).to_contain_text("Letter queued: 1 sheet, 1.3 credits.")
    line = page.locator(".chatter-messages li.kind-letter")
    expect(line).to_have_attribute("data-state", "in_queue")
    page.evaluate("window.notReloaded = true")
    worker.resume()
    expect(line).to_have_attribute("data-state", "delivered", timeout=20_000)
    assert page.evaluate("window.notReloaded") is True


def test_out_of_credits_buy_then_retry_from_the_letters_page(
    page, live_server, marie, user, worker
):
    login(page, live_server, "user@example.com", PASSWORD)
    write_letter(page, marie)
    expect(page.locator("#snailmail-short")).to_be_visible()
    expect(page.locator("#snailmail-short").get_by_role("link", name="buy credits")).to_be_visible()
    page.get_by_role("button", name="Send").click()
    line = page.locator(".chatter-messages li.kind-letter")
    expect(line).to_have_attribute("data-state", "failed", timeout=15_000)
    expect(line).to_contain_text("CREDIT_ERROR")

    page.goto("/snailmail/letters")
    page.get_by_role("link", name="Error (1)").click()
    page.get_by_role("link", name="Marie Dubois").click()
    expect(page.get_by_role("link", name="Buy credits")).to_be_visible()
    grant("snailmail", 5, reason="Bought")  # what the buy page's payment does
    page.get_by_role("button", name="Retry").click()
    expect(page.locator("[data-letter-state]")).to_have_attribute(
        "data-letter-state", "delivered", timeout=20_000
    )


def test_the_composer_and_letters_fit_a_phone(page, live_server, marie, user, worker):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "user@example.com", PASSWORD)
    write_letter(page, marie)
    expect(page.locator("#snailmail-price")).to_have_text("1.1 credits")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto("/snailmail/letters")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_retry_then_cancel_from_the_chatter_and_the_letters_list_follows(
    page, live_server, marie, user, worker
):
    login(page, live_server, "user@example.com", PASSWORD)
    write_letter(page, marie)
    page.get_by_role("button", name="Send").click()
    line = page.locator(".chatter-messages li.kind-letter")
    expect(line).to_have_attribute("data-state", "failed", timeout=15_000)
    grant("snailmail", 5, reason="Bought")  # what the buy page's payment does
    worker.pause()  # keep the letter short of printing while we look at it
    line.get_by_role("button", name="Retry").click()
    expect(page).to_have_url(re.compile(rf"/contacts/{marie.id}$"))
    line = page.locator(".chatter-messages li.kind-letter")
    expect(line).to_have_attribute("data-state", "in_queue")  # queued again
    expect(line.get_by_role("button", name="Retry")).to_have_count(0)
    page.on("dialog", lambda dialog: dialog.accept())  # "Cancel this letter?"
    line.get_by_role("button", name="Cancel letter").click()
    expect(page.locator(".chatter-messages li.kind-letter")).to_have_attribute(
        "data-state", "canceled", timeout=15_000
    )
    assert balance("snailmail") == 5
    worker.resume()


def test_the_letters_list_follows_its_rows_with_one_request_at_a_time(
    page, live_server, marie, user, worker
):
    grant("snailmail", 5, reason="Browser test credits")
    login(page, live_server, "user@example.com", PASSWORD)
    for _ in range(2):
        write_letter(page, marie)
        worker.pause()
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".chatter-messages li.kind-letter").first).to_have_attribute(
            "data-state", "in_queue"
        )
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/snailmail/letters/" in r.url else None)
    page.goto("/snailmail/letters")
    states = page.locator("[data-letter-state]")
    expect(states).to_have_count(2)
    page.evaluate("window.notReloaded = true")
    worker.resume()
    for index in range(2):
        expect(states.nth(index)).to_have_attribute(
            "data-letter-state", "delivered", timeout=25_000
        )
    assert page.evaluate("window.notReloaded") is True
    polls = [url for url in asked if "/snailmail/letters/states?ids=" in url]
    assert polls and all(url.count(",") == 1 for url in polls[:1])  # both rows in one request
    assert not [url for url in asked if url.endswith("/state")]  # no row polls on its own
