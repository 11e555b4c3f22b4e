"""Deleting the vendor contact of a validated bill: the bill stays, with the
vendor's name and VAT number it was read with, and no link to the contact."""

import json

from addons.digitization.models import Document
from host import Contact
from tests.addons.digitization.conftest import corpus_document, upload


def test_a_validated_bill_keeps_its_vendor(digitization, set_mode, user_client, admin_client):
    set_mode("bill", "manual")
    vendor = Contact.create(name="Papeterie Lambert", is_company=True, vat="BE0477472701")
    content, _ = corpus_document("bill", 0)
    assert upload(user_client, "bills", ("bill.pdf", content)).status_code in (302, 303)
    bill = Document.get()
    Document.update(
        state="validated", name="Papeterie Lambert", vat="BE0477472701", total="121.00",
        contact=vendor.id, contact_match="vat",
        corrections=json.dumps({"vendor_name": "Papeterie Lambert", "vendor_vat": "BE0477472701"}),
    ).where(Document.id == bill.id).execute()  # fmt: skip
    before = user_client.get(f"/digitization/bills/{bill.id}").get_data(as_text=True)
    assert f"/contacts/{vendor.id}" in before

    response = user_client.post(f"/contacts/{vendor.id}/delete")

    assert response.status_code == 302 and response.headers["Location"].endswith("/contacts")
    kept = Document.get_by_id(bill.id)
    assert (kept.state, kept.contact_id, kept.contact_match) == ("validated", None, "")
    newcomer = Contact.create(name="Somebody Else")  # SQLite may give it the vendor's id
    page = admin_client.get(f"/digitization/bills/{bill.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Papeterie Lambert" in text and "BE0477472701" in text
    assert f"/contacts/{newcomer.id}" not in text and "Somebody Else" not in text
