"""One scanned receipt through the whole addon, with real Tesseract."""

from __future__ import annotations

import shutil

import pytest

from addons.digitization.models import Document
from tests.addons.digitization.conftest import upload

pytestmark = [
    pytest.mark.ocr,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed"),
]


def test_scanned_receipt_is_digitized(user_client, give_credits, credits_left):
    from devtools.digitization_corpus import iter_corpus

    name, data, entry = next(
        item for item in iter_corpus(0, 5, expenses=1, resumes=0, variants=("scan",))
    )
    give_credits(1)
    upload(user_client, "expenses", (name, data))
    document = Document.get()
    assert document.state == "to_validate" and document.origin == "ocr"
    assert document.total == entry["truth"]["total_amount"]
    assert credits_left() == 0
    page = user_client.get(f"/digitization/expenses/{document.id}/pages/1")
    assert page.status_code == 200 and page.mimetype.startswith("image/")
