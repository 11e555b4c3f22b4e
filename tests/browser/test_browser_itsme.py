"""A signer identifies with itsme in a real browser: the signing link, the
local itsme provider's app page (on its own loopback port), back to the
signing page identified, then Sign; and a canceled identification with its
Try again. At phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from addons.itsme_sign.local_provider import LocalClient, LocalProvider
from tests.addons.itsme_sign import documents

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = ("addons.iap.plugin", "addons.itsme_sign.plugin")
    return host_config


@pytest.fixture
def itsme(app, live_server, enable, tmp_path):
    """The local itsme provider, and the app configured to use it."""
    from addons.itsme_sign import itsme_client

    enable("itsme_sign")
    app.config.update(
        ITSME_CLIENT_ID="browser-test",
        ITSME_SERVICE_CODE="BROWSER_SIGN",
        ITSME_SIGNING_KEY_PATH=str(tmp_path / "sig.json"),
        ITSME_ENCRYPTION_KEY_PATH=str(tmp_path / "enc.json"),
    )
    keys = itsme_client.client_keys(app)
    callback = f"{live_server}/itsme_sign/itsme/callback"
    client = LocalClient("browser-test", (callback,), "BROWSER_SIGN", jwks=keys.public_jwks)
    provider = LocalProvider([client]).start()
    app.config["ITSME_DISCOVERY_URL"] = provider.discovery_url
    yield provider
    provider.stop()


@pytest.fixture
def signing_link(app, itsme, user):
    """A sent request whose Belgian customer must identify; the path of their link."""
    import re

    from addons.iap import grant
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Role
    from host.models import MailMessage

    grant("itsme_sign", 2, reason="browser test")
    Role.create(name="Customer", requires_itsme=True)
    sign_request = lifecycle.create("Contract", "c.pdf", documents.pdf(1), user)
    signer = lifecycle.add_signer(
        sign_request,
        name="Anna Peeters",
        email="anna@example.be",
        role="Customer",
        country="BE",
        language="nl",
    )
    lifecycle.place_field(sign_request, signer_id=signer.id, kind="signature", page=1, x=72, y=600)
    lifecycle.send(sign_request)
    mail = MailMessage.select().where(MailMessage.to == "anna@example.be").get()
    return re.search(r"https?://[^/\s]+(/itsme_sign/s/\S+)", mail.body)[1], sign_request


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}])
def test_a_signer_identifies_with_itsme_then_signs(page, signing_link, viewport):
    from addons.itsme_sign.models import Signer, SignRequest

    link, sign_request = signing_link
    page.set_viewport_size(viewport)
    page.goto(link)
    expect(page.locator("#sign-submit")).to_be_disabled()
    page.get_by_role("link", name="Identify with itsme").click()
    expect(page.get_by_role("heading", name="itsme — local test provider")).to_be_visible()
    page.get_by_label("Anna Peeters (BE)").check()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#sign-identify")).to_contain_text(
        "Identified with itsme as Anna Peeters, born 1986-04-12"
    )
    expect(page.locator("#sign-submit")).to_be_enabled()
    page.get_by_role("radio", name="Type").check()
    page.locator("#sign-submit").click()
    expect(page.locator("#sign-form")).to_have_count(0)
    signer = Signer.get(Signer.email == "anna@example.be")
    assert signer.state == "signed" and signer.identified_name == "Anna Peeters"
    assert SignRequest.get_by_id(sign_request.id).state in ("signed", "sent")


def test_a_canceled_identification_offers_try_again(page, signing_link):
    from addons.iap import balance
    from addons.itsme_sign.models import Signer

    link, _ = signing_link
    page.set_viewport_size(PHONE)
    page.goto(link)
    page.get_by_role("link", name="Identify with itsme").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("alert")).to_contain_text("You canceled the identification")
    expect(page.locator("#sign-submit")).to_be_disabled()
    page.get_by_role("link", name="Try again").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#sign-identify")).to_contain_text("Identified with itsme")
    assert Signer.get(Signer.email == "anna@example.be").identified
    assert balance("itsme_sign") == 1
