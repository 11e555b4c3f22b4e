"""Charging: one credit per document, captured only when the extraction succeeds;
without credits the document waits with the Buy credits prompt and is retried."""

from __future__ import annotations

from decimal import Decimal

from addons.digitization.models import Document
from addons.iap.models import Hold, IdempotencyKey
from tests.addons.digitization.conftest import corpus_document, upload


def test_without_credits_the_document_waits_with_the_prompt(
    admin_client, digitization, give_credits, credits_left
):
    data, entry = corpus_document("bill", 0)
    upload(admin_client, "bills", ("bill.pdf", data))
    document = Document.get()
    assert document.state == "no_credit" and document.charged == 0
    assert document.extracted_fields == {}

    form = admin_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    assert "data-insufficient-credit" in form
    assert "This needs 1 credit and 0 are available." in form
    assert 'href="/iap/buy/digitization"' in form and "Buy credits" in form
    assert ">Retry</button>" in form
    listing = admin_client.get("/digitization/bills").get_data(as_text=True)
    assert "Waiting for credits" in listing

    give_credits(1)
    response = admin_client.post(f"/digitization/bills/{document.id}/digitize")
    assert response.status_code == 303
    document = Document.get_by_id(document.id)
    assert document.state == "to_validate" and document.attempts == 2
    assert document.name == entry["truth"]["vendor_name"]
    assert credits_left() == 0 and document.charged == Decimal(1)


def test_the_user_sees_the_prompt_without_the_buy_button(user_client, digitization):
    upload(user_client, "bills", ("bill.pdf", corpus_document("bill", 0)[0]))
    form = user_client.get(f"/digitization/bills/{Document.get().id}").get_data(as_text=True)
    assert "an administrator can buy them" in form


def test_charge_reference_and_idempotency_key(user_client, give_credits):
    give_credits(2)
    upload(user_client, "bills", ("bill.pdf", corpus_document("bill", 0)[0]))
    document = Document.get()
    hold = Hold.get(Hold.reference == f"digitization.document:{document.id}")
    assert hold.state == "captured" and hold.amount == Decimal(1)
    assert "bill.pdf" in hold.description
    assert IdempotencyKey.get(IdempotencyKey.result_id == hold.id).key == (
        f"digitization:{document.id}:1"
    )


def test_credits_per_kind_from_config_and_settings(app, user_client, give_credits, credits_left):
    app.config["DIGITIZATION_CREDITS_EXPENSE"] = 2
    give_credits(10)
    upload(user_client, "expenses", ("r.pdf", corpus_document("expense", 0)[0]))
    assert credits_left() == Decimal(8)

    from host import Setting

    Setting.write("digitization.credits_expense", "0.5")
    upload(user_client, "expenses", ("r2.pdf", corpus_document("expense", 0)[0]))
    assert credits_left() == Decimal("7.5")
    assert Document.get(Document.filename == "r2.pdf").charged == Decimal("0.5")


def test_free_documents_need_no_credits(user_client, digitization, credits_left):
    from host import Setting

    Setting.write("digitization.credits_bill", "0")
    upload(user_client, "bills", ("bill.pdf", corpus_document("bill", 0)[0]))
    document = Document.get()
    assert document.state == "to_validate" and document.charged == 0
    assert not Hold.select().exists()


def test_retry_only_from_a_final_state(user_client, give_credits, credits_left):
    give_credits(3)
    upload(user_client, "bills", ("bill.pdf", corpus_document("bill", 0)[0]))
    document = Document.get()
    user_client.post(f"/digitization/bills/{document.id}/digitize")
    assert Document.get_by_id(document.id).attempts == 1  # to_validate: nothing happens
    assert credits_left() == Decimal(2)


def test_a_document_left_processing_is_failed_by_the_sweep(app, digitization):
    import datetime as dt

    from addons.digitization import jobs
    from host import utcnow

    stuck = Document.create(kind="bill", filename="a.pdf", state="processing")
    Document.update(updated_at=utcnow() - dt.timedelta(hours=1)).execute()
    fresh = Document.create(kind="bill", filename="b.pdf", state="processing")
    assert jobs.sweep() == 1
    assert Document.get_by_id(stuck.id).state == "failed"
    assert "interrupted" in Document.get_by_id(stuck.id).failure_reason
    assert Document.get_by_id(fresh.id).state == "processing"


def test_ids_are_never_reused(digitization):
    """The charge's idempotency key names the document's id: a deleted
    document's id must not come back (SQLite reuses the largest rowid)."""
    first = Document.create(kind="bill", filename="a.pdf")
    first.delete_instance()
    assert Document.create(kind="bill", filename="b.pdf").id == first.id + 1
