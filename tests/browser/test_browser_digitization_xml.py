"""A bare e-invoice XML uploaded with the Upload button (issue 13 #8): the form
shows what the XML says and, on demand, the XML itself, on a phone and a desktop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from addons.digitization.models import Document
from addons.iap import balance, grant
from host import Setting
from host.testing import PASSWORD
from tests.addons.digitization.test_digitization_addon_xml import UBL_CREDIT_NOTE
from tests.browser.conftest import login

LAYOUT_CHECK = (Path(__file__).parent / "layout_check.js").read_text()
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = (
        *host_config["HOST_BUILTIN_ADDONS"],
        "addons.digitization.plugin",
    )
    return host_config


@pytest.fixture
def digitization(app, enable):
    enable("digitization")
    Setting.write("digitization.mode_bill", "auto")
    grant("digitization", 2, reason="Browser test credits")
    return app


def test_upload_a_bare_xml_e_invoice(page, live_server, user, digitization):
    login(page, live_server, "user@example.com", PASSWORD)
    page.goto(f"{live_server}/digitization/bills")
    # Once digitization.js has bound the button (see test_browser_digitization.py).
    expect(page.locator("#digi-files")).to_have_class(re.compile(r"\bjs-hidden\b"))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload", exact=True).click()
    chooser.value.set_files(
        {"name": "credit.xml", "mimeType": "application/xml", "buffer": UBL_CREDIT_NOTE}
    )
    page.wait_for_url(re.compile(r"/digitization/bills/\d+$"))
    expect(page.get_by_role("textbox", name="Bill Reference", exact=True)).to_have_value(
        "CN-2024-17"
    )
    viewer = page.locator("[data-xml-preview]")
    expect(viewer).to_contain_text("E-invoice (credit note, UBL XML)")
    expect(viewer).to_contain_text("Brasserie Lumen SA")
    source = viewer.locator("pre")
    expect(source).to_be_hidden()
    viewer.get_by_text("The XML as uploaded").click()
    expect(source).to_be_visible()
    expect(source).to_contain_text("<cbc:ID>CN-2024-17</cbc:ID>")
    assert page.locator("script", has_text="alert(1)").count() == 0
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        found = page.evaluate(LAYOUT_CHECK)
        assert found["scroll"] == 0 and not found["wide"], (viewport, found)
        assert not found["contrast"], found["contrast"]
    assert Document.get().state == "to_validate"
    assert balance("digitization") == 1
