"""The SMS issue's "done when", in a real browser: the 📱 button next to a
contact's number, the pop-up composer and its live counter, a paid send
followed in the chatter, the Buy credits prompt then Resend, and a mass SMS
whose progress bar reaches 100% by itself.

Jobs run on the app's real (SQLite) huey queue, consumed by a worker thread
of the test (``worker``) that the test can pause: the outbox's delivery
report and the mass SMS then happen after the page was served, as in
production, and the page must follow them without a reload.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from addons.iap import grant
from addons.sms.models import SmsMessage
from host import Setting
from host.models import Contact
from host.testing import PASSWORD
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, login, screenshot

GSM_TEXT = "Hello Marie, your order is ready. See you on Friday at the shop, we open at 9:00!"
EMOJI_TEXT = GSM_TEXT + " 🎉"  # 🎉 forces UCS-2: 83 characters, 2 parts of 67
LONG_TEXT = ("Your order #1234 is ready for pickup at the Brussels shop. " * 9).strip()


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = (*host_config["HOST_BUILTIN_ADDONS"], "addons.sms.plugin")
    host_config.update(
        # A real queue, consumed by ``worker``, instead of running jobs inline.
        HOST_JOBS_IMMEDIATE=False,
        # The outbox reports delivery as soon as the worker takes the job.
        SMS_OUTBOX_DELIVERY_DELAY=0,
    )
    return host_config


@pytest.fixture
def sms(app, enable):
    """The sms addon enabled (with iap), for a company in Belgium, no credit yet."""
    enable("sms")
    Setting.write("company_country", "BE")
    return app


@pytest.fixture
def admin_page(browser, live_server, admin):
    """A second browser, logged in as the administrator (balance, outbox, history)."""
    ctx = browser.new_context(base_url=live_server, viewport=VIEWPORT)
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        admin_tab = ctx.new_page()
        login(admin_tab, live_server, "admin@example.com", PASSWORD)
        yield admin_tab
    finally:
        ctx.close()


def give(credits) -> None:
    grant("sms", credits, reason="Browser test credits")


def balance_shown(admin_tab) -> Decimal:
    """The SMS balance on the IAP account page, as an administrator reads it."""
    admin_tab.goto("/iap/accounts/sms")
    expect(admin_tab.get_by_role("heading", name="Account Information")).to_be_visible()
    return Decimal(admin_tab.locator(".kpi [data-balance]").inner_text().strip().replace(",", ""))


def outbox_rows(admin_tab):
    admin_tab.goto("/sms/outbox")
    expect(admin_tab.get_by_role("heading", name="SMS Outbox")).to_be_visible()
    return admin_tab.locator("#sms-messages tbody tr[data-message]")


def test_send_one_sms_from_a_contact_then_buy_credits_and_resend(
    page, live_server, sms, user, admin_page, worker
):
    marie = Contact.create(
        name="Marie Dubois", mobile="+32 470 12 34 56", phone="", country="BE", city="Brussels"
    )
    give(3)
    assert balance_shown(admin_page) == 3

    # (1) The 📱 button stands to the right of the Mobile field, none by the empty Phone.
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto(f"/contacts/{marie.id}")
    mobile_row = page.locator('[data-field="mobile"]')
    button = mobile_row.get_by_role("link", name="SMS")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("title", "SMS")
    expect(button).to_have_text("📱")
    box, field = button.bounding_box(), page.get_by_label("Mobile").bounding_box()
    assert box["x"] >= field["x"] + field["width"] - 1
    assert abs((box["y"] + box["height"] / 2) - (field["y"] + field["height"] / 2)) < 8
    expect(page.get_by_label("Phone")).to_have_value("")
    expect(page.locator('[data-field="phone"]').get_by_role("link", name="SMS")).to_have_count(0)

    # (2) The pop-up: recipient, international number, Message, and a live counter.
    page.evaluate("window.notReloaded = true")
    button.click()
    dialog = page.locator("#host-dialog")
    expect(dialog.get_by_role("heading", name="Send SMS Text Message")).to_be_visible()
    expect(dialog.locator("[data-recipient]")).to_have_text("Marie Dubois")
    expect(dialog.locator("[data-number]")).to_contain_text("+32 470 12 34 56")
    message = dialog.get_by_label("Message")
    counter = dialog.locator("[data-sms-counter]")
    expect(counter.locator("[data-characters]")).to_have_text("0")

    # Sent empty: the complaint stays only until the user types.
    dialog.get_by_role("button", name="Send SMS").click()
    body_error = dialog.locator("[data-body-error]")
    expect(body_error).to_be_visible()
    message.click()
    message.press_sequentially(GSM_TEXT)
    expect(body_error).to_have_count(0)
    expect(counter.locator("[data-characters]")).to_have_text("81")
    expect(counter.locator("[data-encoding]")).to_have_text("GSM-7")
    expect(counter.locator("[data-parts]")).to_have_text("1")
    expect(counter.locator("[data-credits]")).to_have_text("1")
    expect(counter).to_contain_text("Cost: 1 credit")
    expect(counter).not_to_contain_text("1 credits")
    expect(counter.locator("[data-unicode-why]")).to_be_hidden()

    message.press_sequentially(" 🎉")
    expect(counter.locator("[data-characters]")).to_have_text("83")
    expect(counter.locator("[data-encoding]")).to_have_text("Unicode")
    expect(counter.locator("[data-unicode-why]")).to_be_visible()
    expect(counter.locator("[data-unicode-chars]")).to_have_text("🎉 (U+1F389)")
    expect(counter.locator("[data-parts]")).to_have_text("2")
    expect(counter.locator("[data-credits]")).to_have_text("2")
    expect(counter).to_contain_text("Cost: 2 credits")
    screenshot(page, "sms-composer")

    # (3) Send: the pop-up closes, the SMS shows in the chatter as sent, then
    # delivered when the outbox's report comes in, all without a reload.
    worker.pause()
    dialog.get_by_role("button", name="Send SMS").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#toast")).to_have_text("SMS sent to Marie Dubois (+32 470 12 34 56).")
    sent = page.locator(".chatter-messages li.kind-sms").filter(has_text="🎉")
    expect(sent).to_have_attribute("data-state", "sent")
    expect(sent.locator(".state")).to_have_text("✔️ sent")
    worker.resume()
    expect(sent).to_have_attribute("data-state", "delivered")
    expect(sent.locator(".state")).to_have_text("✅ delivered")
    assert page.evaluate("window.notReloaded") is True
    assert balance_shown(admin_page) == 3 - 2  # two parts at 1 credit to Belgium
    expect(admin_page.locator("#journal")).to_contain_text("SMS to +32470123456")
    expect(outbox_rows(admin_page)).to_have_count(1)

    # (4) Too few credits: 4 parts, 1 credit left. The prompt, and nothing sent.
    button.click()
    expect(dialog.get_by_role("heading", name="Send SMS Text Message")).to_be_visible()
    dialog.get_by_label("Message").fill(LONG_TEXT)
    expect(counter.locator("[data-parts]")).to_have_text("4")
    expect(counter.locator("[data-credits]")).to_have_text("4")
    dialog.get_by_role("button", name="Send SMS").click()
    expect(dialog.get_by_role("heading", name="SMS not sent")).to_be_visible()
    prompt = dialog.locator("[data-insufficient-credit]")
    expect(prompt).to_contain_text(re.compile(r"This needs 4 credits and 1 (is|are) available\."))
    expect(prompt.get_by_role("link", name="Buy credits")).to_have_attribute("href", "/iap/buy/sms")
    expect(dialog).to_contain_text("Nothing was sent and no credit was spent.")
    kept = dialog.locator("[data-sms-message]")
    expect(kept).to_have_attribute("data-state", "failed")
    expect(kept).to_have_attribute("data-failure", "insufficient_credit")
    screenshot(page, "sms-insufficient-credit")

    expect(outbox_rows(admin_page)).to_have_count(1)
    assert balance_shown(admin_page) == 1
    admin_page.goto("/sms/?state=failed")
    failed = admin_page.locator("#sms-messages tbody tr[data-message]")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Insufficient credit: 4 credits needed, 1 available.")
    expect(failed.get_by_role("button", name="Resend")).to_be_visible()

    # Credits arrive; Resend in the same pop-up sends the kept message.
    give(10)
    dialog.get_by_role("button", name="Resend").click()
    expect(dialog).to_be_hidden()
    resent = page.locator(".chatter-messages li.kind-sms").filter(has_text="Your order #1234")
    expect(resent).to_have_count(1)
    expect(resent).to_have_attribute("data-state", "delivered")
    assert page.evaluate("window.notReloaded") is True
    assert balance_shown(admin_page) == 1 + 10 - 4
    expect(outbox_rows(admin_page)).to_have_count(2)
    assert SmsMessage.select().count() == 2  # resent, not copied


def test_mass_sms_to_selected_contacts(page, live_server, sms, user, worker):
    Contact.create(name="Ann Peeters", mobile="+32 470 11 22 33", country="BE")
    Contact.create(name="Bad Number", mobile="12", country="BE")
    Contact.create(name="Jean Martin", mobile="+33 6 12 34 56 78", country="FR")
    Contact.create(name="Zoe Other", mobile="+32 470 99 88 77", country="BE")
    give(10)

    login(page, live_server, "user@example.com", PASSWORD)
    page.goto("/contacts")
    for name in ("Ann Peeters", "Bad Number", "Jean Martin"):
        page.get_by_role("checkbox", name=f"Select {name}").check()
    expect(page.locator(".bulk-bar .bulk-count")).to_have_text("3 selected")
    page.locator(".bulk-bar").get_by_role("button", name="Send SMS").click()

    # The composer: who gets it, who does not and why, and the total cost.
    expect(page.get_by_role("heading", name="Send SMS to 3 contacts")).to_be_visible()
    expect(page.locator('[data-kpi="valid"] .value')).to_have_text("2")
    expect(page.locator('[data-kpi="invalid"] .value')).to_have_text("1")
    expect(page.locator('[data-kpi="available"] .value')).to_have_text("10")
    refused = page.locator("#refused tbody tr")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Bad Number")
    expect(refused).to_contain_text("Wrong number format")
    # Logging in each contact's chatter is asked for, not done by default.
    log = page.get_by_role("checkbox", name="Log the message in each contact's chatter")
    expect(log).not_to_be_checked()
    page.get_by_label("Message", exact=True).press_sequentially("Your order is ready.")
    counter = page.locator("[data-sms-counter]")
    expect(counter.locator("[data-recipients]")).to_have_text("2")
    expect(counter.locator("[data-parts]")).to_have_text("1")
    expect(counter.locator("[data-credits]")).to_have_text("1.9")  # Belgium 1 + France 0.9

    # Sent while the worker is busy elsewhere: the page follows the job by itself.
    worker.pause()
    page.get_by_role("button", name="Send SMS").click()
    status = page.locator("#batch-status")
    summary = status.locator("[data-batch-summary]")
    badge = status.locator("[data-batch-state]")
    cancel = page.get_by_role("button", name="Cancel sending")
    expect(summary).to_have_text("The SMS are on their way.")
    expect(status).to_have_attribute("data-state", "queued")
    expect(badge).to_have_text("queued")
    expect(cancel).to_be_visible()
    progress = page.get_by_role("progressbar", name="Sending progress")
    expect(progress).to_have_attribute("aria-valuenow", "33")  # the bad number is done
    page.evaluate("window.notReloaded = true")
    worker.resume()
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(status).to_have_attribute("data-state", "done")
    # The header follows the job too: its state, no Cancel, a summary that says it is over.
    expect(badge).to_have_text("done")
    expect(cancel).to_have_count(0)
    expect(summary).to_have_text("Done: 2 of 3 sent, 2 delivered, 1 failed.")
    expect(page.get_by_text("The SMS are on their way.")).to_have_count(0)
    expect(page.locator('[data-kpi="sent"] .value')).to_have_text("2")
    expect(page.locator('[data-kpi="failed"] .value')).to_have_text("1")
    expect(page.locator('[data-kpi="spent"] .value')).to_have_text("1.9")
    expect(page.locator('[data-kpi="delivered"] .value')).to_have_text("2")
    expect(page.locator('#batch-results tr[data-state="delivered"]')).to_have_count(2)
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "sms-mass-results")


def test_the_counter_counts_a_message_typed_before_its_script_ran(page, live_server, sms, user):
    # On a busy machine the pop-up can take the user's typing before sms.js has
    # bound the counter: it must then count what is there, not show 0.
    marie = Contact.create(name="Marie Dubois", mobile="+32 470 12 34 56", country="BE")
    give(3)
    held = []
    page.route("**/sms.js", lambda route: held.append(route))
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto(f"/contacts/{marie.id}")
    page.locator('[data-field="mobile"]').get_by_role("link", name="SMS").click()
    dialog = page.locator("#host-dialog")
    dialog.get_by_label("Message").fill("x" * 200)  # 2 parts of GSM-7
    page.wait_for_timeout(300)  # the debounce the counter would have used
    counter = dialog.locator("[data-sms-counter]")
    expect(counter.locator("[data-parts]")).to_have_text("0")  # nothing bound yet
    assert held, "sms.js was not asked for"
    for route in held:
        route.continue_()
    expect(counter.locator("[data-parts]")).to_have_text("2")
    expect(counter.locator("[data-characters]")).to_have_text("200")
