"""Correcting and validating: corrections kept beside the extracted values, the
vendor matched to a contact (by VAT number, then by name) or created, duplicates flagged."""

from __future__ import annotations

from addons.digitization.models import Document
from host import Contact
from host.models import Message
from tests.addons.digitization.conftest import corpus_document, upload


def form_data(document: Document, **changes) -> dict:
    """What the browser posts: every field of the form, with ``changes``."""
    data = {}
    for name, value in document.values().items():
        if name == "lines":
            for i, line in enumerate(value or []):
                for key, item in line.items():
                    data[f"lines-{i}-{key}"] = item or ""
            data["lines-present"] = "1"
        else:
            data[name] = value or ""
    data.update(changes)
    return data


def digitized_bill(client, index=0, filename="bill.pdf") -> tuple[Document, dict]:
    data, entry = corpus_document("bill", index)
    upload(client, "bills", (filename, data))
    return Document.get(Document.filename == filename), entry["truth"]


def test_correct_and_validate(user, user_client, give_credits):
    give_credits(1)
    document, truth = digitized_bill(user_client)
    response = user_client.post(
        f"/digitization/bills/{document.id}",
        data=form_data(
            document, total_amount="1 234,5", invoice_number="  FIX-1 ", action="validate"
        ),
    )
    assert response.status_code == 303
    document = Document.get_by_id(document.id)
    assert document.state == "done"
    assert document.validated_by_id == user.id and document.validated_at is not None
    assert document.corrected_values == {"total_amount": "1234.50", "invoice_number": "FIX-1"}
    # The extraction is kept as it was read.
    assert document.extracted_fields["total_amount"]["value"] == truth["total_amount"]
    assert document.values()["total_amount"] == "1234.50"
    assert (document.total, document.number) == ("1234.50", "FIX-1")

    # No contact existed: one is created for the vendor.
    contact = Contact.get_by_id(document.contact_id)
    assert document.contact_match == "created"
    assert contact.name == truth["vendor_name"] and contact.is_company
    assert contact.vat == truth["vendor_vat"] and contact.country == truth["vendor_vat"][:2]

    note = Message.select().where(Message.res_id == document.id).order_by(Message.id.desc()).get()
    assert note.model == "digitization.bill" and note.author_id == user.id
    assert note.body.startswith("Validated. Corrected: Bill Reference, Total.")
    assert f"Contact {contact.name} created for the vendor." in note.body

    form = user_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    assert "Validated by User" in form and "Corrected. Extracted value:" in form
    assert 'data-vendor="created"' in form and "readonly" in form


def test_save_keeps_the_document_to_validate(user_client, give_credits):
    give_credits(1)
    document, _ = digitized_bill(user_client)
    user_client.post(
        f"/digitization/bills/{document.id}",
        data=form_data(document, currency="usd", action="save"),
    )
    document = Document.get_by_id(document.id)
    assert document.state == "to_validate"
    assert document.corrected_values == {"currency": "USD"}
    assert not Contact.select().exists()  # contacts are only created on Validate


def test_corrected_lines(user_client, give_credits):
    give_credits(1)
    document, truth = digitized_bill(user_client)
    data = form_data(document, action="save")
    data["lines-0-quantity"] = "2,5"
    n = len(truth["lines"])
    data.update({f"lines-{n}-description": "Extra", f"lines-{n}-amount": "10"})
    data.update({f"lines-{n}-quantity": "", f"lines-{n}-unit_price": ""})
    user_client.post(f"/digitization/bills/{document.id}", data=data)
    lines = Document.get_by_id(document.id).corrected_values["lines"]
    assert lines[0]["quantity"] == "2.5" and len(lines) == n + 1
    assert lines[-1] == {
        "description": "Extra",
        "quantity": None,
        "unit_price": None,
        "amount": "10.00",
    }


def test_invalid_values_are_refused(user_client, give_credits):
    give_credits(1)
    document, _ = digitized_bill(user_client)
    response = user_client.post(
        f"/digitization/bills/{document.id}",
        data=form_data(document, total_amount="twelve", due_date="31/12/2025", action="validate"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "&#39;twelve&#39; is not an amount." in page and "Enter a date as YYYY-MM-DD." in page
    assert 'value="twelve"' in page  # what the user typed stays in the form
    document = Document.get_by_id(document.id)
    assert document.state == "to_validate" and document.corrected_values == {}


def test_vendor_matched_by_vat_number(user_client, give_credits):
    give_credits(1)
    data, entry = corpus_document("bill", 0)
    vat = entry["truth"]["vendor_vat"]
    known = Contact.create(name="Some Other Name", vat=f"{vat[:2]} {vat[2:6]}.{vat[6:]}")
    upload(user_client, "bills", ("bill.pdf", data))
    document = Document.get()
    # Matched as soon as it is digitized, and shown on the form.
    assert (document.contact_id, document.contact_match) == (known.id, "vat")
    form = user_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    assert "Some Other Name" in form and "matched by VAT number" in form

    user_client.post(
        f"/digitization/bills/{document.id}", data=form_data(document, action="validate")
    )
    document = Document.get_by_id(document.id)
    assert (document.contact_id, document.contact_match) == (known.id, "vat")
    assert Contact.select().count() == 1


def test_vendor_matched_by_close_name(user_client, give_credits):
    give_credits(1)
    document, truth = digitized_bill(user_client)
    name = truth["vendor_name"]
    # Upper case, a letter missing, another legal form.
    close = (name[:3] + name[4:]).upper().replace(" ", "  ") + " Ltd."
    known = Contact.create(name=close, is_company=True)
    user_client.post(
        f"/digitization/bills/{document.id}",
        data=form_data(document, vendor_vat="", action="validate"),
    )
    document = Document.get_by_id(document.id)
    assert (document.contact_id, document.contact_match) == (known.id, "name")
    assert Contact.select().count() == 1


def test_a_different_name_creates_a_contact(user_client, give_credits):
    give_credits(1)
    document, _ = digitized_bill(user_client)
    Contact.create(name="Completely Different Company", is_company=True)
    user_client.post(
        f"/digitization/bills/{document.id}",
        data=form_data(
            document, vendor_vat="", vendor_name="Brand New Supplier BV", action="validate"
        ),
    )
    document = Document.get_by_id(document.id)
    assert document.contact_match == "created"
    assert Contact.get_by_id(document.contact_id).name == "Brand New Supplier BV"


def test_validate_needs_a_vendor(user_client, give_credits):
    give_credits(1)
    document, _ = digitized_bill(user_client)
    response = user_client.post(
        f"/digitization/bills/{document.id}",
        data=form_data(document, vendor_name="", action="validate"),
    )
    assert response.status_code == 422
    assert "A vendor bill needs a vendor." in response.get_data(as_text=True)


def test_duplicate_bill_is_flagged(user_client, give_credits):
    give_credits(3)
    first, _ = digitized_bill(user_client, filename="first.pdf")
    second, _ = digitized_bill(user_client, filename="second.pdf")
    assert first.duplicate_of_id is None
    assert second.duplicate_of_id == first.id

    form = user_client.get(f"/digitization/bills/{second.id}").get_data(as_text=True)
    assert "Possible duplicate of" in form and f"/digitization/bills/{first.id}" in form
    listing = user_client.get("/digitization/bills").get_data(as_text=True)
    assert listing.count("data-duplicate") == 1

    # Another vendor with the same number and total is not a duplicate.
    third, _ = digitized_bill(user_client, filename="third.pdf")
    user_client.post(
        f"/digitization/bills/{third.id}",
        data=form_data(
            third, vendor_name="Other Vendor NV", vendor_vat="BE0477472701", action="save"
        ),
    )
    assert Document.get_by_id(third.id).duplicate_of_id is None

    # Correcting the number clears the flag.
    user_client.post(
        f"/digitization/bills/{second.id}",
        data=form_data(second, invoice_number="OTHER-2", action="validate"),
    )
    assert Document.get_by_id(second.id).duplicate_of_id is None


def test_manual_entry_and_reopen(user_client, digitization, set_mode):
    set_mode("bill", "never")
    upload(user_client, "bills", ("paper.pdf", corpus_document("bill", 0)[0]))
    document = Document.get()
    assert document.state == "draft"
    response = user_client.post(
        f"/digitization/bills/{document.id}",
        data={"vendor_name": "Hand Made SPRL", "total_amount": "12", "action": "validate"},
    )
    assert response.status_code == 303
    document = Document.get_by_id(document.id)
    assert document.state == "done" and document.total == "12.00"
    assert document.corrected_values == {"vendor_name": "Hand Made SPRL", "total_amount": "12.00"}

    user_client.post(f"/digitization/bills/{document.id}/reopen")
    assert Document.get_by_id(document.id).state == "to_validate"


def test_done_documents_cannot_be_changed(user_client, give_credits):
    give_credits(1)
    document, _ = digitized_bill(user_client)
    user_client.post(
        f"/digitization/bills/{document.id}", data=form_data(document, action="validate")
    )
    response = user_client.post(
        f"/digitization/bills/{document.id}",
        data=form_data(document, total_amount="1", action="validate"),
        follow_redirects=True,
    )
    assert "This document cannot be changed now" in response.get_data(as_text=True)
    assert Document.get_by_id(document.id).corrected_values == {}


def test_delete(user_client, give_credits):
    give_credits(2)
    first, _ = digitized_bill(user_client, filename="first.pdf")
    second, _ = digitized_bill(user_client, filename="second.pdf")
    response = user_client.post(f"/digitization/bills/{first.id}/delete")
    assert response.headers["Location"].endswith("/digitization/bills")
    assert Document.get_or_none(Document.id == first.id) is None
    assert Document.get_by_id(second.id).duplicate_of_id is None


def test_match_by_name_warns_when_the_vat_numbers_differ(user_client, give_credits):
    give_credits(1)
    document, truth = digitized_bill(user_client)
    other_vat = "BE0477472701" if truth["vendor_vat"] != "BE0477472701" else "BE0403019261"
    known = Contact.create(name=truth["vendor_name"], is_company=True, vat=other_vat)
    user_client.post(
        f"/digitization/bills/{document.id}", data=form_data(document, action="validate")
    )
    document = Document.get_by_id(document.id)
    assert (document.contact_id, document.contact_match) == (known.id, "name")
    page = user_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    assert "data-vat-mismatch" in page
    assert f"({truth['vendor_vat']})" in page and f"({other_vat})" in page
    # Validated: the fields are read-only and nothing asks to check them any more.
    assert 'id="digi-total_amount"' in page and "readonly" in page
    assert "check them" not in page and "low-confidence" not in page

    Contact.update(vat=truth["vendor_vat"]).where(Contact.id == known.id).execute()
    page = user_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    assert "data-vat-mismatch" not in page


def test_two_bills_of_a_new_vendor_validated_at_once_create_one_contact(
    app, user, user_client, give_credits, monkeypatch
):
    """Both validations look for the vendor before either has created it
    (held at a barrier after the lookup): the second must wait for the
    first to commit and then find its contact, on PostgreSQL as on SQLite."""
    import threading

    from addons.digitization import matching
    from host.testing import log_in

    give_credits(2)
    bills = [digitized_bill(user_client, 0, filename=f"{name}.pdf")[0] for name in "ab"]
    vendors_before = Contact.select().count()
    together = threading.Barrier(2, timeout=1)
    find_vendor = matching.find_vendor

    def find_at_once(vat, name):
        found = find_vendor(vat, name)
        try:
            together.wait()  # both looked, neither created: the race
        except threading.BrokenBarrierError:
            pass  # the other is held back until this one commits
        return found

    monkeypatch.setattr(matching, "find_vendor", find_at_once)
    codes = []

    def validate(document):
        client = log_in(app.test_client(), user)
        response = client.post(
            f"/digitization/bills/{document.id}", data=form_data(document, action="validate")
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=validate, args=(bill,)) for bill in bills]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [303, 303]
    assert Contact.select().count() == vendors_before + 1
    validated = [Document.get_by_id(bill.id) for bill in bills]
    assert {d.state for d in validated} == {"done"}
    assert validated[0].contact_id == validated[1].contact_id
    assert sorted(d.contact_match for d in validated) == ["created", "vat"]


def test_a_deleted_bills_chatter_goes_with_it(user, user_client, give_credits):
    """A deleted bill's messages and attachments go with it: kept, they
    stayed in the database for ever, files included, attached to nothing.
    Another record's messages under the same id stay."""
    from host import post_message
    from host.models import Attachment

    give_credits(1)
    old, _ = digitized_bill(user_client, filename="wrong.pdf")
    post_message(
        model="digitization.bill",
        res_id=old.id,
        body="Paid by bank transfer on the 3rd.",
        author=user,
        attachments=[("proof.txt", "text/plain", b"proof")],
    )
    kept = Message.create(model="digitization.expense", res_id=old.id, body="Another record's.")
    user_client.post(f"/digitization/bills/{old.id}/delete")
    assert (
        not Message.select()
        .where((Message.model == "digitization.bill") & (Message.res_id == old.id))
        .exists()
    )
    assert not Attachment.select().where(Attachment.res_id == old.id).exists()
    assert Message.get_by_id(kept.id).body == "Another record's."
