"""Per-kind settings: digitize on upload, on Digitize only, or never; who may change them."""

from __future__ import annotations

from decimal import Decimal

from addons.digitization import config
from addons.digitization.models import Document
from tests.addons.digitization.conftest import corpus_document, upload


def test_auto_digitizes_on_upload(user_client, give_credits):
    give_credits(1)
    upload(user_client, "bills", ("bill.pdf", corpus_document("bill", 0)[0]))
    assert Document.get().state == "to_validate"


def test_manual_waits_for_the_digitize_button(user_client, give_credits, credits_left, set_mode):
    give_credits(5)
    set_mode("bill", "manual")
    upload(user_client, "bills", *[(f"b{i}.pdf", corpus_document("bill", i)[0]) for i in range(3)])
    assert {d.state for d in Document.select()} == {"draft"}
    assert credits_left() == Decimal(5)

    first = Document.get(Document.filename == "b0.pdf")
    form = user_client.get(f"/digitization/bills/{first.id}").get_data(as_text=True)
    assert 'data-action="digitization-digitize"' in form and "🪄 Digitize" in form
    user_client.post(f"/digitization/bills/{first.id}/digitize")
    assert Document.get_by_id(first.id).state == "to_validate"

    # The list's bulk action digitizes the selected documents.
    listing = user_client.get("/digitization/bills").get_data(as_text=True)
    assert 'formaction="/digitization/bills/digitize"' in listing
    others = [d.id for d in Document.select().where(Document.state == "draft")]
    user_client.post("/digitization/bills/digitize", data={"ids": others})
    assert {d.state for d in Document.select()} == {"to_validate"}
    assert credits_left() == Decimal(2)


def test_never_keeps_drafts_and_hides_digitize(user_client, give_credits, credits_left, set_mode):
    give_credits(5)
    set_mode("bill", "never")
    upload(user_client, "bills", ("bill.pdf", corpus_document("bill", 0)[0]))
    document = Document.get()
    assert document.state == "draft"
    form = user_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    assert "digitization-digitize" not in form
    assert "Enter the values by hand" in form
    listing = user_client.get("/digitization/bills").get_data(as_text=True)
    assert "Digitization is turned off" in listing and "/digitization/bills/digitize" not in listing

    response = user_client.post(
        f"/digitization/bills/{document.id}/digitize", follow_redirects=True
    )
    assert "turned off" in response.get_data(as_text=True)
    assert Document.get_by_id(document.id).state == "draft"
    assert credits_left() == Decimal(5)


def test_modes_are_per_kind(user_client, give_credits, set_mode):
    give_credits(2)
    set_mode("bill", "never")
    upload(user_client, "bills", ("bill.pdf", corpus_document("bill", 0)[0]))
    upload(user_client, "expenses", ("receipt.pdf", corpus_document("expense", 0)[0]))
    assert Document.get(Document.kind == "bill").state == "draft"
    assert Document.get(Document.kind == "expense").state == "to_validate"


def test_settings_block_and_save(admin_client, digitization):
    page = admin_client.get("/settings").get_data(as_text=True)
    assert 'data-section="Digitization"' in page and 'id="digitization-settings"' in page
    assert 'name="mode_bill" value="auto" checked' in page

    form = {"mode_bill": "manual", "mode_expense": "never", "mode_applicant": "auto"}
    form.update({"credits_bill": "2", "credits_expense": "1", "credits_applicant": "0,5"})
    response = admin_client.post("/digitization/settings", data=form, follow_redirects=True)
    assert "Digitization settings saved." in response.get_data(as_text=True)
    assert (config.mode("bill"), config.mode("expense"), config.mode("applicant")) == (
        "manual",
        "never",
        "auto",
    )
    assert config.credits("bill") == Decimal(2)
    assert config.credits("applicant") == Decimal("0.5")
    page = admin_client.get("/settings").get_data(as_text=True)
    assert 'name="mode_bill" value="manual" checked' in page and 'value="0.5"' in page


def test_settings_refuse_bad_values(admin_client, digitization):
    form = {"mode_bill": "sometimes", "mode_expense": "auto", "mode_applicant": "auto"}
    form.update({"credits_bill": "1", "credits_expense": "-1", "credits_applicant": "1"})
    response = admin_client.post("/digitization/settings", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Vendor Bills: choose when to digitize." in page
    assert "Expenses: &#39;-1&#39; must be between 0 and 100 credits." in page
    assert config.mode("bill") == "auto" and config.credits("expense") == Decimal(1)


def test_users_cannot_change_settings(user_client, digitization):
    assert user_client.get("/settings").status_code == 403
    form = {"mode_bill": "never", "mode_expense": "never", "mode_applicant": "never"}
    form.update({"credits_bill": "0", "credits_expense": "0", "credits_applicant": "0"})
    assert user_client.post("/digitization/settings", data=form).status_code == 403
    assert config.mode("bill") == "auto"


def test_config_defaults(app, digitization):
    app.config["DIGITIZATION_MODE_APPLICANT"] = "manual"
    assert config.mode("applicant") == "manual"
    assert config.credits("bill") == Decimal(1)


def test_settings_saved_before_the_contract_named_them_are_kept(digitization):
    from addons.digitization.plugin import _settings_renamed
    from host import Setting

    Setting.write("digitization.mode.bill", "never")
    Setting.write("digitization.credits.expense", "2.5")
    Setting.write("digitization.mode_applicant", "manual")  # already saved under the new name
    Setting.write("digitization.mode.applicant", "never")
    _settings_renamed(None, None)
    assert config.mode("bill") == "never" and config.credits("expense") == Decimal("2.5")
    assert config.mode("applicant") == "manual"
    assert Setting.get_or_none(Setting.key == "digitization.mode.bill") is None
