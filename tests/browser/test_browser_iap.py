"""The IAP issue's "done when", in a real browser: from Settings to a paid
pack, then a threshold warning mailed over real SMTP."""

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from addons.iap import charge
from host.testing import PASSWORD
from tests.browser.conftest import login, screenshot


@pytest.fixture
def mail_app(app, smtp_server):
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False
    )
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = smtp_server.port
    return app


def balance(page) -> Decimal:
    text = page.locator(".kpi [data-balance]").inner_text()
    return Decimal(text.strip().replace(",", ""))


def wait_for_mail(inbox, count=1, timeout=10.0):
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return inbox.messages


def test_buy_a_pack_then_get_a_threshold_warning(
    page, context, live_server, admin, enable, mail_app, smtp_server
):
    enable("widget")
    login(page, live_server, "admin@example.com", PASSWORD)

    # Settings → View My Services → the service's row → Account Information.
    page.get_by_role("navigation", name="Apps").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="View My Services").click()
    expect(page.get_by_role("heading", name="IAP Accounts")).to_be_visible()
    row = page.locator('#iap-accounts tr[data-service="widget"]')
    row.get_by_role("link", name="Widgets").click()
    expect(page.get_by_role("heading", name="Account Information")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/iap/accounts/widget")
    before = balance(page)

    # Buy Credit opens the shop in a new tab.
    with context.expect_page() as new_tab:
        page.get_by_role("link", name="Buy Credit").click()
    shop = new_tab.value
    expect(shop.get_by_role("heading", name="Buy Credits for Widgets")).to_be_visible()
    standard = shop.locator('[data-pack="standard"]')
    expect(standard.get_by_role("heading")).to_have_text("Standard Pack")
    standard.get_by_role("button", name="Buy").click()

    # Test mode: the test card is filled in (editable), one click pays.
    expect(shop.locator("#demo-pay")).to_contain_text("TEST MODE")
    expect(shop.get_by_role("heading", name="Pay €90.00")).to_be_visible()
    expect(shop.get_by_label("Card number")).to_have_value("4242 4242 4242 4242")
    expect(shop.get_by_label("Card number")).to_be_editable()
    shop.get_by_role("button", name="Pay (test mode)").click()
    expect(shop.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(shop.locator("#order")).to_contain_text("100 credits were added")

    shop.get_by_role("link", name="Back to the account").click()
    expect(shop.get_by_role("heading", name="Account Information")).to_be_visible()
    assert balance(shop) == before + 100
    shop.close()
    page.reload()
    assert balance(page) == before + 100
    expect(page.locator("#orders")).to_contain_text("Standard Pack")

    # The warning fields appear when the box is ticked, without a reload.
    fields = page.locator("#alert-fields")
    expect(fields).to_be_hidden()
    expect(page.get_by_label("Warning Threshold")).to_be_hidden()
    expect(page.get_by_label("Contact Email")).to_be_hidden()
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Receive threshold warning").check()
    expect(fields).to_be_visible()
    expect(page.get_by_label("Warning Threshold")).to_be_visible()
    expect(page.get_by_label("Contact Email")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True

    page.get_by_label("Warning Threshold").fill("95")
    page.get_by_label("Contact Email").fill("finance@example.com")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash-success")).to_have_text("Threshold warning settings saved.")
    expect(page.get_by_label("Receive threshold warning")).to_be_checked()
    expect(page.get_by_label("Warning Threshold")).to_have_value("95")
    expect(page.get_by_label("Contact Email")).to_have_value("finance@example.com")
    assert smtp_server.messages == []

    # A service spends 10 credits server-side: 100 → 90 crosses 95.
    with charge("widget", 10, description="10 widgets"):
        pass
    messages = wait_for_mail(smtp_server)
    assert len(messages) == 1
    mail = messages[0]
    assert mail["To"] == "finance@example.com"
    body = mail.get_content()
    assert "Balance: 90 credits" in body and "Warning threshold: 95 credits" in body
    assert f"{live_server}/iap/buy/widget" in body

    page.reload()
    expect(page.locator(".kpi [data-balance]")).to_have_text("90")
    expect(page.locator(".kpi [data-balance]")).to_have_class(re.compile(r"\blow\b"))
    expect(page.locator("#journal")).to_contain_text("10 widgets")
    screenshot(page, "account")


def test_threshold_saved_above_the_balance_warns_once_right_away(
    page, live_server, admin, enable, mail_app, smtp_server
):
    enable("widget")
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/iap/accounts/widget")
    # A new account: nothing spent, and the chart says so instead of drawing empty days.
    expect(page.locator("[data-no-usage]")).to_have_text(
        "No usage yet: the credits spent each day appear here."
    )
    expect(page.locator("svg.chart")).to_have_count(0)
    available = balance(page)

    page.get_by_label("Receive threshold warning").check()
    page.get_by_label("Warning Threshold").fill(str(available + 50))
    page.get_by_label("Contact Email").fill("finance@example.com")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash-warning")).to_have_text(
        f"The balance ({available}) is already at or below this threshold: "
        "a warning was sent to finance@example.com now."
    )
    messages = wait_for_mail(smtp_server)
    assert len(messages) == 1 and messages[0]["To"] == "finance@example.com"
    assert f"Warning threshold: {available + 50} credits" in messages[0].get_content()

    # Saved again unchanged: no second warning until the balance rises above it.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash-success")).to_have_text("Threshold warning settings saved.")
    expect(page.locator(".flash-warning")).to_have_count(0)
    time.sleep(0.5)
    assert len(smtp_server.messages) == 1


def test_pending_order_is_named_resumed_or_canceled(page, live_server, admin, enable):
    enable("widget")
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/iap/buy/widget")
    page.locator('[data-pack="standard"]').get_by_role("button", name="Buy").click()

    # Every empty field is named, and what was typed is kept.
    for label in ("Card number", "Expiry (MM/YY)", "CVC"):
        page.get_by_label(label).fill("")
    page.get_by_role("button", name="Pay (test mode)").click()
    expect(page.get_by_role("alert").filter(has_text="Enter the")).to_have_text(
        ["Enter the card number.", "Enter the expiry date.", "Enter the security code (CVC)."]
    )
    # Back gives the order up and returns to the packs.
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_role("heading", name="Buy Credits for Widgets")).to_be_visible()
    expect(page.locator(".flash-success")).to_have_text("Order for the Standard Pack canceled.")

    # An order left on the payment page waits on the account page.
    page.locator('[data-pack="standard"]').get_by_role("button", name="Buy").click()
    expect(page.get_by_role("button", name="Pay (test mode)")).to_be_visible()
    page.goto("/iap/accounts/widget")
    expect(page.locator('#orders tr[data-state="canceled"]')).to_have_count(1)
    pending = page.locator('#orders tr[data-state="pending"]')
    expect(pending).to_have_count(1)
    before = balance(page)
    pending.get_by_role("button", name="Resume").click()
    page.get_by_role("button", name="Pay (test mode)").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    page.get_by_role("link", name="Back to the account").click()
    assert balance(page) == before + 100
    expect(page.locator('#orders tr[data-state="pending"]')).to_have_count(0)
    expect(page.locator('#orders tr[data-state="paid"]')).to_have_count(1)

    # Cancel, after a confirmation, on another pending order.
    page.goto("/iap/buy/widget")
    page.locator('[data-pack="standard"]').get_by_role("button", name="Buy").click()
    page.goto("/iap/accounts/widget")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('#orders tr[data-state="pending"]').get_by_role("button", name="Cancel").click()
    expect(page.locator(".flash-success")).to_have_text("Order for the Standard Pack canceled.")
    expect(page.locator('#orders tr[data-state="pending"]')).to_have_count(0)
    assert balance(page) == before + 100
