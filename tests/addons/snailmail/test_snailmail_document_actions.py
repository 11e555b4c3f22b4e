"""``Send by post`` is a document action: any addon's printable PDF goes by
post to its recipient, and the letter is logged on that record."""

from __future__ import annotations

import uuid

import pytest

from addons.snailmail import sending
from addons.snailmail.models import Letter
from host import Document, Manifest, Recipient, hookimpl
from tests.addons.snailmail import documents


class InvoicesAddon:
    """Exposes an invoice on every contact, addressed to its accounting office."""

    manifest = Manifest(name="invoices", title="Invoices")

    def __init__(self):
        self.recipient = Recipient(
            name="Accounting Office",
            street="Avenue Louise 54",
            zip="1050",
            city="Ixelles",
            country_code="BE",
        )

    @hookimpl
    def record_documents(self, model, record):
        if model != "contact":
            return []
        return [
            Document(
                id="invoice",
                title="Invoice",
                filename=f"invoice-{record.id}.pdf",
                render=lambda: documents.pdf(2),
                recipient=lambda: self.recipient,
            )
        ]


@pytest.fixture
def invoices():
    return InvoicesAddon()


@pytest.fixture
def host_config(host_config, invoices):
    host_config["HOST_EXTRA_ADDONS"] = [invoices]
    return host_config


def test_each_addressed_document_gets_its_button(user_client, snailmail, enable, contact):
    enable("invoices")
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Send Contact sheet by post" in page and "Send Invoice by post" in page
    assert f"/snailmail/compose/contact/{contact.id}/invoice" in page


def test_the_document_goes_to_its_recipient_and_a_fixed_address_is_read_again(
    user_client, snailmail, enable, contact, invoices, give_credits
):
    enable("invoices")
    invoices.recipient = Recipient(
        name="Accounting Office",
        street="Avenue Louise 54",
        zip="10500",
        city="Ixelles",
        country_code="BE",
    )
    preview = user_client.post(
        f"/snailmail/compose/contact/{contact.id}/invoice/preview", data={"mode": "document"}
    ).get_json()
    assert "postal code 10500 is not valid for Belgium" in preview["error"]
    invoices.recipient = Recipient(
        name="Accounting Office",
        street="Avenue Louise 54",
        zip="1050",
        city="Ixelles",
        country_code="BE",
    )
    token = str(uuid.uuid4())
    user_client.post(
        f"/snailmail/compose/contact/{contact.id}/invoice/send",
        data={"token": token, "mode": "document"},
    )
    letter = Letter.get(Letter.uid == token)
    assert (letter.state, letter.pages, letter.filename) == (
        "error",
        2,
        f"invoice-{contact.id}.pdf",
    )
    assert letter.error_code == "CREDIT_ERROR"
    assert letter.address_dict["name"] == "Accounting Office"
    assert letter.res_id == contact.id and letter.document_id == "invoice"
    # The office moved: the retry reads the document's recipient again.
    invoices.recipient = Recipient(
        name="Accounting Office",
        street="Rue Royale 2",
        zip="1000",
        city="Brussels",
        country_code="BE",
    )
    give_credits(5)
    sending.requeue([letter.id])
    sent = sending.send(letter.id)
    assert sent.state == "sent"
    assert sent.address_dict["street"] == "Rue Royale 2"
