"""Uploading documents: one draft per file, digitized in the job queue, one credit each."""

from __future__ import annotations

import html
from decimal import Decimal

from addons.digitization.models import Document, DocumentFile
from host.models import Message
from tests.addons.digitization.conftest import corpus_document, upload


def messages(document: Document) -> list[str]:
    return [
        m.body
        for m in Message.select()
        .where((Message.model == document.model_name) & (Message.res_id == document.id))
        .order_by(Message.id)
    ]


BROKEN = b"%PDF-1.7\n" + bytes(range(256)) * 8  # a PDF by its first bytes, unreadable


def test_good_and_broken_bill_in_one_upload(user_client, give_credits, credits_left):
    give_credits(5)
    data, entry = corpus_document("bill", 0)
    response = upload(user_client, "bills", ("bill.pdf", data), ("broken.pdf", BROKEN))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/digitization/bills")

    good = Document.get(Document.filename == "bill.pdf")
    assert good.state == "to_validate" and good.kind == "bill"
    truth = entry["truth"]
    values = good.values()
    for name in ("vendor_name", "vendor_vat", "invoice_number", "invoice_date", "total_amount"):
        assert values[name] == truth[name], name
    assert (good.name, good.number, good.total) == (
        truth["vendor_name"],
        truth["invoice_number"],
        truth["total_amount"],
    )
    assert good.charged == Decimal(1) and good.attempts == 1 and good.pages == 1
    fields = good.extracted_fields
    assert all(0 <= f["confidence"] <= 1 for f in fields.values())
    assert fields["total_amount"]["box"] and fields["total_amount"]["page"] == 1

    bad = Document.get(Document.filename == "broken.pdf")
    assert bad.state == "failed" and bad.failure_code == "corrupt"
    assert "damaged" in bad.failure_reason
    assert bad.charged == 0

    assert credits_left() == Decimal(4)  # one credit, for the good bill only
    stored = DocumentFile.get_by_id(good.id)
    assert bytes(stored.data) == data and truth["invoice_number"] in stored.text
    assert good.batch_id == bad.batch_id is not None

    assert messages(good) == [
        "Uploaded bill.pdf.",
        "Digitized: 12 of 12 fields read (1 credit used).",
    ]
    assert messages(bad)[-1] == f"Digitization failed: {bad.failure_reason} No credit was used."

    page = user_client.get("/digitization/bills").get_data(as_text=True)
    assert truth["vendor_name"] in page and truth["invoice_number"] in page
    assert bad.failure_reason in html.unescape(page) and 'data-state="failed"' in page


def test_one_file_opens_its_form(user_client, give_credits):
    give_credits(1)
    data, _ = corpus_document("bill", 1)
    response = upload(user_client, "bills", ("one.pdf", data))
    document = Document.get()
    assert response.headers["Location"].endswith(f"/digitization/bills/{document.id}")
    form = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "To validate" in form and document.name in form


def test_drag_and_drop_upload_answers_json(user_client, give_credits):
    give_credits(2)
    files = [(f"b{i}.pdf", corpus_document("bill", i)[0]) for i in range(2)]
    response = upload(user_client, "bills", *files, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200
    assert response.get_json() == {"redirect": "/digitization/bills"}
    assert Document.select().where(Document.state == "to_validate").count() == 2


def test_no_file_chosen(user_client, digitization):
    response = upload(user_client, "bills", follow_redirects=True)
    assert "Choose one or more files to upload." in response.get_data(as_text=True)
    assert Document.select().count() == 0


def test_file_over_the_size_limit_is_not_stored(app, user_client, give_credits):
    app.config["DIGITIZATION_MAX_FILE_SIZE"] = 1000
    give_credits(1)
    small = corpus_document("bill", 0)[0][:900]
    response = upload(user_client, "bills", ("big.pdf", b"%PDF-" + b"x" * 2000), ("s.pdf", small))
    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "big.pdf is larger than 0.000953674 MB; it was not uploaded." in page
    assert [d.filename for d in Document.select()] == ["s.pdf"]


def test_too_many_files_at_once(app, user_client, digitization):
    app.config["DIGITIZATION_MAX_FILES"] = 2
    response = upload(user_client, "bills", *[(f"{i}.pdf", b"%PDF-1.4") for i in range(3)])
    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Upload at most 2 files at once" in page
    assert Document.select().count() == 0


def test_filename_keeps_no_path(user_client, digitization, set_mode):
    set_mode("bill", "never")
    upload(user_client, "bills", ("../../home/me/facture 12.pdf", b"%PDF-1.4"))
    assert Document.get().filename == "facture 12.pdf"


def test_expense_and_applicant(user_client, give_credits, credits_left):
    give_credits(2)
    expense, expense_entry = corpus_document("expense", 0)
    resume, resume_entry = corpus_document("resume", 0)
    upload(user_client, "expenses", ("receipt.pdf", expense))
    upload(user_client, "applicants", ("cv.pdf", resume))
    receipt = Document.get(Document.kind == "expense")
    applicant = Document.get(Document.kind == "applicant")
    assert receipt.state == applicant.state == "to_validate"
    assert receipt.name == expense_entry["truth"]["merchant"]
    assert receipt.total == expense_entry["truth"]["total_amount"]
    assert applicant.name == resume_entry["truth"]["name"]
    assert applicant.values()["email"] == resume_entry["truth"]["email"]
    assert credits_left() == 0
    assert messages(applicant)[-1].startswith("Digitized: 3 of 3 fields read")
    page = user_client.get("/digitization/applicants").get_data(as_text=True)
    assert resume_entry["truth"]["email"] in page
    # A document is only reachable under its own kind.
    assert user_client.get(f"/digitization/bills/{receipt.id}").status_code == 404
