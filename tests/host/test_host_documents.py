"""Document actions: an action provider's buttons appear on every record with
a printable PDF (the host's contacts, Digitization's documents), and its view
gets the PDF and the recipient, without either addon knowing the other."""

import io
import re

import pdfplumber
import pytest

from examples.hooks import document_action
from host import Document, Recipient, documents_of, find_document
from host.models import Attachment, Message
from tests.host.addon_kit import make_addon

# The envelope windows a letter service prints into (mm from the top-left
# corner): DIN 5008's left field and the right window Odoo and Pingen use.
WINDOWS_MM = [(20, 45, 85, 45), (118, 60, 85.5, 25.5)]
MM = 72 / 25.4


@pytest.fixture
def host_config(host_config):
    host_config.update(
        HOST_BUILTIN_ADDONS=("addons.iap.plugin", "addons.digitization.plugin"),
        HOST_EXTRA_ADDONS=[document_action],
        IAP_EDITION="community",
    )
    return host_config


def _words(pdf: bytes):
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        return page.extract_text(), page.extract_words()


def test_no_provider_no_button_and_no_pdf_work(app, admin_client, contact):
    html = admin_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Keep a copy" not in html


def test_the_contact_sheet_is_offered_and_acted_on(app, enable, admin_client, contact):
    enable("archive")
    contact.street2, contact.vat = "Boîte 3", "BE0477472701"
    contact.save()
    url = f"/contacts/{contact.id}"
    html = admin_client.get(url).get_data(as_text=True)
    assert 'data-action="archive-contact-sheet"' in html
    assert "Keep a copy of the contact sheet" in html
    action = f"/archive/contact/{contact.id}/contact-sheet"
    assert f'action="{action}"' in html

    page = admin_client.post(action, headers={"Referer": url}, follow_redirects=True)
    assert "A copy of Contact sheet is in the chatter." in page.get_data(as_text=True)
    message = Message.get(Message.body == "Copy of Contact sheet for Marie Dubois")
    [attachment] = Attachment.select().where(Attachment.message == message)
    assert attachment.filename == "Marie Dubois.pdf"
    text, _ = _words(bytes(attachment.data))
    for expected in ("Marie Dubois", "Rue Gheude 56", "Boîte 3", "1070 Brussels", "Belgium"):
        assert expected in text
    assert "BE0477472701" in text and "marie@example.com" in text


def test_the_contact_sheet_leaves_the_envelope_windows_blank(app, contact):
    pdf = find_document("contact", contact.id, "contact-sheet").pdf()
    _, words = _words(pdf)
    assert words
    for left, top, width, height in WINDOWS_MM:
        for word in words:
            inside = (
                word["x0"] < (left + width) * MM
                and word["x1"] > left * MM
                and word["top"] < (top + height) * MM
                and word["bottom"] > top * MM
            )
            assert not inside, (word["text"], (left, top))


def test_the_recipient_is_an_address_mapping(app, contact):
    recipient = find_document("contact", contact.id, "contact-sheet").get_recipient()
    assert isinstance(recipient, Recipient)
    assert dict(recipient) == {
        "name": "Marie Dubois",
        "street": "Rue Gheude 56",
        "street2": "",
        "zip": "1070",
        "city": "Brussels",
        "state": "",
        "country_code": "BE",
        "email": "marie@example.com",
    }


def test_documents_open_in_the_browser_for_users_only(app, user_client, client, contact):
    url = f"/documents/contact/{contact.id}/contact-sheet"
    response = user_client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert client.get(url).status_code == 302
    assert user_client.get(f"/documents/contact/{contact.id}/nothing").status_code == 404
    assert user_client.get("/documents/contact/999/contact-sheet").status_code == 404
    assert user_client.get(f"/documents/nomodel/{contact.id}/contact-sheet").status_code == 404


def test_a_gone_record_or_document_is_a_lookup_error(app, contact):
    with pytest.raises(LookupError, match="does not exist"):
        documents_of("contact", 999)
    with pytest.raises(LookupError, match="not available any more"):
        find_document("contact", contact.id, "digitization-file")


def _bill(contact=None, mimetype="application/pdf"):
    from addons.digitization.models import Document as Bill
    from addons.digitization.models import DocumentFile

    pdf = _any_pdf()
    bill = Bill.create(
        kind="bill",
        filename="invoice-0042.pdf",
        mimetype=mimetype,
        size=len(pdf),
        state="to_validate",
        name="Fietsen BV",
        contact=contact,
    )
    DocumentFile.create(document=bill, data=pdf)
    return bill, pdf


def _any_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    sheet.drawString(100, 100, "Invoice 0042")
    sheet.save()
    return out.getvalue()


def test_digitization_documents_are_offered_with_their_vendor(app, enable, admin_client, contact):
    enable("digitization", "archive")
    bill, pdf = _bill(contact)
    html = admin_client.get(f"/digitization/bills/{bill.id}").get_data(as_text=True)
    assert 'data-action="archive-digitization-file"' in html
    document = find_document("digitization.bill", bill.id, "digitization-file")
    assert document.pdf() == pdf
    assert document.title == "Fietsen BV"
    assert document.get_recipient().name == "Marie Dubois"
    admin_client.post(f"/archive/digitization.bill/{bill.id}/digitization-file")
    message = Message.get(Message.model == "digitization.bill")
    assert message.body == "Copy of Fietsen BV for Marie Dubois"


def test_an_unmatched_or_scanned_image_document(app, enable, admin_client):
    enable("digitization", "archive")
    bill, _ = _bill()
    assert find_document("digitization.bill", bill.id, "digitization-file").get_recipient() is None
    photo, _ = _bill(mimetype="image/jpeg")
    assert documents_of("digitization.bill", photo.id) == []
    html = admin_client.get(f"/digitization/bills/{photo.id}").get_data(as_text=True)
    assert "archive-" not in html
    # A bill is not a contact: the types of records are told apart.
    with pytest.raises(LookupError):
        documents_of("digitization.expense", bill.id)


CALLS = []


def _spying_documents(model, record):
    CALLS.append(model)
    return []


def _broken_actions(model, record, documents):
    raise RuntimeError("printer on fire")


@pytest.mark.parametrize(
    "host_config",
    [
        {
            "HOST_BUILTIN_ADDONS": (),
            "HOST_EXTRA_ADDONS": [
                make_addon("spy", record_documents=_spying_documents),
                make_addon("broken", document_actions=_broken_actions),
            ],
        }
    ],
)
def test_documents_are_asked_for_only_when_an_action_is_offered(app, enable, admin_client, contact):
    CALLS.clear()
    enable("spy")
    admin_client.get(f"/contacts/{contact.id}")
    assert CALLS == []
    enable("broken")
    page = admin_client.get(f"/contacts/{contact.id}")
    assert CALLS == ["contact"]
    # The failing provider is recorded; the page stays up.
    assert page.status_code == 200
    errors = app.extensions["host"].addons["broken"].runtime_errors
    assert any("document_actions" in e and "printer on fire" in e for e in errors)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"id": "", "title": "T", "filename": "a.pdf"}, "needs an id"),
        ({"id": "a", "title": "T", "filename": "a.docx"}, "must end in .pdf"),
    ],
)
def test_bad_documents_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Document(render=lambda: b"%PDF-", **kwargs)


def test_a_render_that_is_no_pdf_is_an_error():
    with pytest.raises(ValueError, match="did not render a PDF"):
        Document(id="a", title="A", filename="a.pdf", render=lambda: b"<html>").pdf()
    assert re.match(rb"%PDF-", Document(id="a", title="A", filename="a.pdf", render=_any_pdf).pdf())
