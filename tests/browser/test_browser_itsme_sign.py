"""itsme Sign in a real browser: a user uploads a PDF, adds a signer, places
the fields by clicking on the page, sends; the signer opens the mailed link
(at 390 px), draws a signature with the pointer, fills a text field and signs;
the sender's page turns Signed without a reload and the signed PDF's digital
signature verifies. A role requiring itsme keeps Sign disabled until the
signer is identified; issue 17's "done when": a Belgian signer whose role
requires itsme identifies through the local provider, signs, and the signed
PDF's certificate shows the verified identity.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from host.models import MailMessage
from host.testing import PASSWORD
from tests.addons.itsme_sign import documents
from tests.browser.conftest import login, screenshot

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = (
        *host_config["HOST_BUILTIN_ADDONS"],
        "addons.itsme_sign.plugin",
    )
    return host_config


@pytest.fixture
def itsme_sign(app, enable):
    enable("itsme_sign")
    return app


def _link(email: str) -> str:
    mail = MailMessage.select().where(MailMessage.to == email).order_by(MailMessage.id.desc()).get()
    return re.search(r"https?://\S+/itsme_sign/s/\S+", mail.body)[0]


def _upload_and_add_signer(page, tmp_path, role: str, country: str, name: str = "Jan Peeters"):
    page.get_by_role("link", name="Sign", exact=True).first.click()
    page.get_by_role("link", name="Upload a PDF to sign").click()
    source = tmp_path / "contract.pdf"
    source.write_bytes(documents.pdf(2))
    page.get_by_label("Name").fill("Employment contract")
    page.get_by_label("PDF to sign").set_input_files(str(source))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Employment contract")).to_be_visible()
    form = page.locator("#sign-add-signer")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill("jan@example.be")
    form.get_by_label("Role").fill(role)
    form.get_by_label("Country").fill(country)
    form.get_by_role("button", name="Add signer").click()
    expect(page.locator("#sign-signers")).to_contain_text(name)


def _manager_requires_itsme(page, live_server, admin, role: str):
    """An administrator (a Sign manager) sets the role on the Roles page, then logs out."""
    login(page, live_server, admin.email, PASSWORD)
    page.goto("/itsme_sign/roles")
    page.get_by_label("Role").fill(role)
    page.get_by_label("Requires itsme identification").check()
    page.get_by_role("button", name="Add role").click()
    expect(page.locator("#sign-roles")).to_contain_text("Required")
    page.context.clear_cookies()


def _click_on_page(page, number: int, fx: float, fy: float):
    image = page.locator(f'.sign-page[data-page="{number}"] img')
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    image.click(position={"x": box["width"] * fx, "y": box["height"] * fy})


def test_upload_place_send_sign_and_download_the_signed_pdf(
    page, browser, live_server, itsme_sign, user, tmp_path
):
    from addons.itsme_sign.models import Role

    Role.create(name="Employee")  # a User picks an existing role; a Manager creates them
    login(page, live_server, "user@example.com", PASSWORD)
    _upload_and_add_signer(page, tmp_path, "Employee", "BE")
    send = page.get_by_role("button", name="Send")
    expect(send).to_be_disabled()
    expect(page.locator("#sign-problems")).to_contain_text("Place a signature field for Jan")

    toolbar = page.locator("#sign-toolbar")
    toolbar.get_by_label("Field").select_option("signature")
    _click_on_page(page, 2, 0.15, 0.7)
    expect(page.locator('.sign-page[data-page="2"] .sign-field')).to_have_count(1)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    toolbar.get_by_label("Field").select_option("text")
    _click_on_page(page, 1, 0.15, 0.4)
    expect(page.locator('.sign-page[data-page="1"] .sign-field')).to_have_count(1)
    # A field that would leave the page is refused with the reason.
    _click_on_page(page, 1, 0.98, 0.5)
    expect(page.locator("[data-sign-error]")).to_contain_text("does not fit on page 1")
    expect(page.locator('.sign-page[data-page="1"] .sign-field')).to_have_count(1)
    screenshot(page, "itsme_sign_editor")

    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash-success")).to_contain_text("Signing link mailed to Jan Peeters")
    expect(page.locator("[data-sign-state]").first).to_have_text("Sent")

    signer_context = browser.new_context(viewport=PHONE)
    try:
        signer = signer_context.new_page()
        signer.goto(_link("jan@example.be"))
        expect(signer.get_by_role("heading", name="Your signature")).to_be_visible()
        signer.get_by_label("Text on page 1").fill("Brussels office")
        pad = signer.locator("canvas[data-sign-pad]")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        signer.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
        signer.mouse.down()
        for step in range(1, 12):
            signer.mouse.move(
                box["x"] + 20 + step * (box["width"] - 40) / 11,
                box["y"] + box["height"] * (0.7 - 0.4 * (step % 2)),
            )
        signer.mouse.up()
        signer.get_by_role("button", name="Sign", exact=True).click()
        expect(signer.locator("#sign-done")).to_contain_text("You signed this document")
        with signer.expect_download() as download_info:
            signer.get_by_role("link", name="Download the signed PDF").click(modifiers=["Alt"])
        signed = Path(download_info.value.path()).read_bytes()
    finally:
        signer_context.close()

    # The sender's page follows without a reload.
    expect(page.locator("[data-sign-state]").first).to_have_text("Signed")
    expect(page.get_by_role("link", name="Download the signed PDF")).to_be_visible()

    status = documents.signature_status(signed, tmp_path / "instance" / "itsme_sign_cert.pem")
    assert status.intact and status.valid and status.trusted
    text = documents.text_of(signed)
    assert "Brussels office" in text and "Signature certificate" in text
    assert "Signature: drawn" in text


def test_a_role_requiring_itsme_keeps_sign_disabled_until_identified(
    page, browser, live_server, itsme_sign, user, admin, tmp_path
):
    from addons.itsme_sign import record_identification, signer_from_token

    _manager_requires_itsme(page, live_server, admin, "Customer")
    login(page, live_server, "user@example.com", PASSWORD)
    _upload_and_add_signer(page, tmp_path, "Customer", "BE")
    _click_on_page(page, 1, 0.15, 0.7)
    page.get_by_role("button", name="Send").click()
    expect(
        page.locator(".flash-error", has_text="itsme identifications cost 1 credit")
    ).to_be_visible()
    expect(
        page.locator(".flash-error", has_text="itsme identification is not set up")
    ).to_be_visible()

    signer_context = browser.new_context(viewport=PHONE)
    try:
        signer = signer_context.new_page()
        link = _link("jan@example.be")
        signer.goto(link)
        expect(signer.get_by_role("button", name="Sign", exact=True)).to_be_disabled()
        record_identification(
            signer_from_token(link.rsplit("/", 1)[1]), "itsme", "Jan Peeters", "1985-04-12", "ok"
        )
        signer.reload()
        expect(signer.locator("#sign-identify")).to_contain_text("Identified with itsme as Jan")
        signer.get_by_role("radio", name="Type").check()
        signer.get_by_role("button", name="Sign", exact=True).click()
        expect(signer.locator("#sign-done")).to_contain_text("You signed this document")
    finally:
        signer_context.close()
    expect(page.locator("[data-sign-state]").first).to_have_text("Signed")


@pytest.fixture
def local_itsme(app, live_server, itsme_sign, tmp_path):
    """The local itsme provider on loopback, and the app configured to use it."""
    from addons.itsme_sign import itsme_client
    from addons.itsme_sign.local_provider import LocalClient, LocalProvider

    app.config.update(
        ITSME_CLIENT_ID="sign-browser-test",
        ITSME_SERVICE_CODE="SIGN_BROWSER",
        ITSME_SIGNING_KEY_PATH=str(tmp_path / "sig.json"),
        ITSME_ENCRYPTION_KEY_PATH=str(tmp_path / "enc.json"),
    )
    keys = itsme_client.client_keys(app)
    callback = f"{live_server}/itsme_sign/itsme/callback"
    client = LocalClient("sign-browser-test", (callback,), "SIGN_BROWSER", jwks=keys.public_jwks)
    provider = LocalProvider([client]).start()
    app.config["ITSME_DISCOVERY_URL"] = provider.discovery_url
    try:
        yield provider
    finally:
        provider.stop()


def test_a_belgian_signer_identifies_with_itsme_and_the_certificate_shows_it(
    page, browser, live_server, local_itsme, user, admin, tmp_path
):
    from addons.iap import balance, grant

    grant("itsme_sign", 3, reason="browser test")
    _manager_requires_itsme(page, live_server, admin, "Customer")
    login(page, live_server, "user@example.com", PASSWORD)
    _upload_and_add_signer(page, tmp_path, "Customer", "BE", name="Anna Peeters")
    _click_on_page(page, 2, 0.15, 0.7)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash-success")).to_contain_text("Signing link mailed to Anna Peeters")

    signer_context = browser.new_context(viewport=PHONE)
    try:
        signer = signer_context.new_page()
        signer.goto(_link("jan@example.be"))
        expect(signer.locator("#sign-submit")).to_be_disabled()
        signer.get_by_role("link", name="Identify with itsme").click()
        signer.get_by_label("Anna Peeters (BE)").check()
        signer.get_by_role("button", name="Approve").click()
        expect(signer.locator("#sign-identify")).to_contain_text(
            "Identified with itsme as Anna Peeters, born 1986-04-12"
        )
        signer.get_by_role("radio", name="Type").check()
        signer.locator("#sign-submit").click()
        expect(signer.locator("#sign-done")).to_contain_text("You signed this document")
        with signer.expect_download() as download_info:
            signer.get_by_role("link", name="Download the signed PDF").click(modifiers=["Alt"])
        signed = Path(download_info.value.path()).read_bytes()
    finally:
        signer_context.close()

    expect(page.locator("[data-sign-state]").first).to_have_text("Signed")
    text = documents.text_of(signed)
    assert "Identification: itsme" in text
    assert "Verified name: Anna Peeters" in text and "Verified birth date: 1986-04-12" in text
    assert "differs" not in text
    status = documents.signature_status(signed, tmp_path / "instance" / "itsme_sign_cert.pem")
    assert status.intact and status.valid and status.trusted
    assert balance("itsme_sign") == 2  # one identification, one credit
