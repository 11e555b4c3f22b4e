"""The Digitization issue's "done when", in a real browser: a user uploads a
scanned vendor bill with the Upload button, the form follows the job until the
fields are read (no manual reload), shows the page image beside them, takes a
correction and Validate; one credit was spent and the correction is stored.

The digitization job runs on the app's real (SQLite) huey queue, consumed by a
worker thread of the test, paused at first: the form is first served while
the bill is still waiting, as in production, and must update by itself.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from addons.digitization.models import Document
from addons.iap import balance, grant
from host import Setting
from host.testing import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [
    pytest.mark.ocr,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed"),
]

# bill_004 of seed 3: an English bill whose 150 dpi PNG scan Tesseract reads
# right, field by field (it is also small enough to render in about a second).
SEED, INDEX = 3, 4
CORRECTED_NUMBER = "BILL-2026-0042"
OCR_TIMEOUT_MS = 30_000


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = (
        *host_config["HOST_BUILTIN_ADDONS"],
        "addons.digitization.plugin",
    )
    # A real queue, consumed by ``worker``, instead of running the OCR inline.
    host_config["HOST_JOBS_IMMEDIATE"] = False
    return host_config


@pytest.fixture
def digitization(app, enable):
    """Digitization enabled, bills read on upload, 5 credits (no trial: community)."""
    enable("digitization")
    Setting.write("digitization.mode_bill", "auto")
    assert balance("digitization") == 0
    grant("digitization", 5, reason="Browser test credits")
    return app


@pytest.fixture
def user(user):
    """Not an administrator; validating needs the Digitization Manager group."""
    from host.models import UserAccess

    UserAccess.create(user=user, addon="digitization", group="manager")
    return user


@pytest.fixture
def scanned_bill() -> tuple[str, bytes, dict]:
    from devtools.digitization_corpus import iter_corpus

    name = f"bill_{INDEX:03d}_scan.png"
    for filename, data, entry in iter_corpus(
        INDEX + 1, SEED, expenses=0, resumes=0, variants=("scan",)
    ):
        if filename == name:
            assert entry["lang"] == "en" and entry["format"] == "png"
            return filename, data, entry["truth"]
    raise LookupError(name)


def textbox(page, label: str):
    return page.get_by_role("textbox", name=label, exact=True)


def credits_shown(page) -> str:
    return page.locator('#digi-kpis [data-kpi="credits"] .value').inner_text().strip()


def test_upload_a_scan_correct_it_and_validate(
    page, live_server, user, digitization, worker, scanned_bill
):
    filename, data, truth = scanned_bill
    assert truth["invoice_number"] != CORRECTED_NUMBER
    worker.pause()  # the form is first seen while the job waits
    login(page, live_server, "user@example.com", PASSWORD)  # not an administrator

    page.get_by_role("navigation", name="Apps").get_by_role("link", name="Vendor Bills").click()
    expect(page.get_by_role("heading", name="Vendor Bills")).to_be_visible()
    expect(page.locator("#digi-list-body")).to_contain_text("No vendor bills yet.")
    assert credits_shown(page) == "5"

    # Upload opens the file chooser once digitization.js has bound it (it hides the
    # plain file input then); clicked before, the button posts the form with no file,
    # as it does without scripts. Choosing the scan sends it.
    expect(page.locator("#digi-files")).to_have_class(re.compile(r"\bjs-hidden\b"))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload", exact=True).click()
    chooser.value.set_files({"name": filename, "mimeType": "image/png", "buffer": data})

    # The form of the new bill, served while the job still waits for the worker.
    page.wait_for_url(re.compile(r"/digitization/bills/\d+$"))
    document_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".flash-success")).to_have_text("1 document uploaded.")
    status = page.locator("#digi-status")
    expect(status).to_have_attribute("data-state", "waiting")
    expect(status).to_contain_text("reading the document…")
    expect(page.get_by_text("This document is being digitized")).to_be_visible()

    # The worker reads it; the form polls, then shows the fields by itself.
    worker.resume()
    expect(status).to_have_attribute("data-state", "to_validate", timeout=OCR_TIMEOUT_MS)
    expect(status).to_have_text("To validate")
    number = textbox(page, "Bill Reference")
    expect(number).to_have_value(truth["invoice_number"])
    expect(textbox(page, "Total")).to_have_value(truth["total_amount"])
    expect(textbox(page, "Vendor")).to_have_value(truth["vendor_name"])
    assert balance("digitization") == 4

    # The page image, loaded, beside the fields (to their right, side by side).
    image = page.get_by_role("complementary", name="Document pages").get_by_role(
        "img", name=f"Page 1 of {filename}"
    )
    expect(image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    fields_box = page.locator(".digi-fields").bounding_box()
    image_box = image.bounding_box()
    assert image_box["x"] >= fields_box["x"] + fields_box["width"]
    assert image_box["y"] < fields_box["y"] + fields_box["height"]
    assert fields_box["y"] < image_box["y"] + image_box["height"]

    # Correct the bill reference, then Validate.
    number.fill(CORRECTED_NUMBER)
    page.get_by_role("toolbar", name="Actions").get_by_role("button", name="Validate").click()
    expect(page.locator(".flash-success")).to_have_text("Validated.")
    expect(status).to_have_attribute("data-state", "done")
    expect(page.get_by_text("Validated by User on")).to_be_visible()
    expect(number).to_have_value(CORRECTED_NUMBER)
    expect(number).to_have_attribute("readonly", "")
    screenshot(page, "digitization_bill")

    # Exactly one credit was spent, for the digitization; Validate is free.
    assert balance("digitization") == Decimal(4)
    document = Document.get_by_id(document_id)
    assert document.state == "done" and document.validated_by_id == user.id
    assert document.charged == 1
    assert document.corrected_values == {"invoice_number": CORRECTED_NUMBER}
    assert document.extracted_fields["invoice_number"]["value"] == truth["invoice_number"]
    assert document.number == CORRECTED_NUMBER

    # The correction survives a reload, and shows what was read.
    page.reload()
    expect(number).to_have_value(CORRECTED_NUMBER)
    page.locator('[data-field="invoice_number"] [data-field-details]').click()
    expect(page.locator("#digi-invoice_number-info")).to_contain_text(
        f"Corrected. Extracted value: {truth['invoice_number']}"
    )

    # The list: the corrected reference, Done, and 4 credits left.
    page.get_by_role("link", name="Vendor Bills").first.click()
    row = page.locator(f'#digi-list-body tr[data-document="{document_id}"]')
    expect(row).to_have_attribute("data-state", "done")
    expect(row).to_contain_text(CORRECTED_NUMBER)
    expect(row).to_contain_text(truth["vendor_name"])
    assert credits_shown(page) == "4"
