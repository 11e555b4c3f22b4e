"""The composer, its preview, the Letters pages, prices and settings, through HTTP."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest

from addons.snailmail.models import Letter, Price
from host.models import Message
from tests.addons.snailmail import documents


def test_send_by_post_is_in_the_contact_header(user_client, snailmail, contact):
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Send by post" in page
    assert f"/snailmail/compose/contact/{contact.id}/contact-sheet" in page
    composer = user_client.get(f"/snailmail/compose/{contact.id}", follow_redirects=True)
    assert "Contact sheet" in composer.get_data(as_text=True)


def test_preview_shows_page_one_the_address_sheets_and_price(
    user_client, snailmail, contact, give_credits
):
    give_credits(3)
    answer = user_client.post(
        f"/snailmail/compose/contact/{contact.id}/contact-sheet/preview",
        data={
            "mode": "write",
            "subject": "Hello",
            "body": "A short letter.",
            "delivery": "standard",
        },
    ).get_json()
    assert answer["ok"], answer
    assert answer["image"].startswith("data:image/png;base64,")
    assert answer["address"] == ["Marie Dubois", "Rue Gheude 56", "1070 BRUSSELS", "BELGIUM"]
    assert (answer["pages"], answer["sheets"], answer["credits"]) == (1, 1, "1.1")
    assert answer["enough"] is True


def test_preview_of_a_bad_upload_says_why(user_client, snailmail, contact):
    answer = user_client.post(
        f"/snailmail/compose/contact/{contact.id}/contact-sheet/preview",
        data={
            "mode": "upload",
            "document": (io.BytesIO(documents.pdf(1, size=documents.US_LETTER)), "us.pdf"),
        },
        content_type="multipart/form-data",
    ).get_json()
    assert answer == {
        "ok": False,
        "code": "FORMAT_ERROR",
        "error": "Please use an A4 paper format: page 1 measures 216 × 279 mm, not 210 × 297 mm.",
        "field": None,
    }


def test_send_queues_the_letter_and_logs_it_in_the_chatter(
    user_client, snailmail, contact, give_credits
):
    give_credits(5)
    token = str(uuid.uuid4())
    data = {
        "token": token,
        "mode": "upload",
        "color": "on",
        "delivery": "priority",
    }
    response = user_client.post(
        f"/snailmail/compose/contact/{contact.id}/contact-sheet/send",
        data={**data, "document": (io.BytesIO(documents.pdf(2)), "invoice.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    letter = Letter.get(Letter.uid == token)
    # The immediate queue of the tests sent it at once.
    assert (letter.state, letter.filename, letter.sheets) == ("sent", "invoice.pdf", 2)
    assert letter.charged == Decimal("1.70") + Decimal("0.25")
    message = Message.get_by_id(letter.chatter_message_id)
    assert (message.kind, message.state) == ("letter", "sent")
    # A double submit finds the first letter.
    user_client.post(
        f"/snailmail/compose/contact/{contact.id}/contact-sheet/send",
        data={**data, "document": (io.BytesIO(documents.pdf(2)), "invoice.pdf")},
        content_type="multipart/form-data",
    )
    assert Letter.select().count() == 1


def test_send_with_text_in_the_window_is_refused_on_the_composer(user_client, snailmail, contact):
    response = user_client.post(
        f"/snailmail/compose/contact/{contact.id}/contact-sheet/send",
        data={
            "token": str(uuid.uuid4()),
            "mode": "upload",
            "document": (io.BytesIO(documents.pdf(1, in_window=True)), "busy.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "address area of page 1 is not empty" in response.get_data(as_text=True)
    assert Letter.select().count() == 0


def test_letters_page_filters_and_retries_in_bulk(
    user, user_client, snailmail, queue_letter, give_credits
):
    from addons.snailmail import sending

    letters = [queue_letter(author=user) for _ in range(2)]
    for letter in letters:
        sending.send(letter.id)
    page = user_client.get("/snailmail/letters?state=error").get_data(as_text=True)
    assert "CREDIT_ERROR" in page and "Error (2)" in page
    give_credits(5)
    user_client.post("/snailmail/letters/retry", data={"ids": [str(x.id) for x in letters]})
    assert [Letter.get_by_id(x.id).state for x in letters] == ["sent", "sent"]
    assert "Sent (2)" in user_client.get("/snailmail/letters").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "/x\r\nSet-Cookie: a=b"],
)
def test_bulk_retry_goes_back_only_to_a_page_of_ours(user_client, snailmail, target):
    answer = user_client.post("/snailmail/letters/retry", data={"next": target})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/snailmail/letters")
    back = user_client.post("/snailmail/letters/retry", data={"next": "/contacts/1"})
    assert back.headers["Location"].endswith("/contacts/1")


def test_letter_page_offers_buy_credits_then_retry_and_cancel(
    user, user_client, snailmail, queue_letter, give_credits
):
    from addons.snailmail import sending

    letter = queue_letter(author=user)
    sending.send(letter.id)
    page = user_client.get(f"/snailmail/letters/{letter.id}").get_data(as_text=True)
    assert "Buy credits" in page and "/iap/buy/snailmail" in page and "Retry" in page
    give_credits(5)
    user_client.post(f"/snailmail/letters/{letter.id}/retry")
    assert Letter.get_by_id(letter.id).state == "sent"
    user_client.post(f"/snailmail/letters/{letter.id}/cancel")
    assert Letter.get_by_id(letter.id).state == "canceled"
    pdf = user_client.get(f"/snailmail/letters/{letter.id}/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_prices_are_edited_by_admins_only(admin_client, user_client, snailmail):
    assert user_client.get("/snailmail/prices").status_code == 403
    page = admin_client.get("/snailmail/prices")
    assert page.status_code == 200
    row = Price.get((Price.zone == "domestic") & (Price.delivery == "standard") & ~Price.color)
    bad = admin_client.post("/snailmail/prices", data={f"first-{row.id}": "1.5.5"})
    assert bad.status_code == 422
    admin_client.post("/snailmail/prices", data={f"first-{row.id}": "2", f"extra-{row.id}": "0.5"})
    from addons.snailmail import pricing

    assert pricing.price("BE", 3) == Decimal(3)
    admin_client.post("/snailmail/prices", data={"reset": "1"})
    assert pricing.price("BE", 3) == Decimal("1.30")


def test_settings_choose_the_print_shop_and_keep_secrets_out_of_the_page(admin_client, snailmail):
    from addons.snailmail import config

    admin_client.post(
        "/snailmail/settings",
        data={"provider": "pingen", "window": "left", "pingen_client_secret": "s3cr3t-value"},
    )
    assert config.get("provider") == "pingen" and config.get("window") == "left"
    page = admin_client.get("/settings").get_data(as_text=True)
    assert "Pingen" in page and "s3cr3t-value" not in page


def test_outbox_page_lists_letters_with_their_final_pdf(
    admin_client, snailmail, queue_letter, give_credits
):
    from addons.snailmail import sending

    give_credits(5)
    letter = queue_letter()
    sending.send(letter.id)
    page = admin_client.get("/snailmail/outbox").get_data(as_text=True)
    assert f"/snailmail/letters/{letter.id}/pdf" in page and "Final PDF" in page


def test_a_records_document_is_sent_as_it_is(user_client, snailmail, contact, give_credits):
    """The contact sheet (the host's document of a contact) goes by post as it is."""
    give_credits(5)
    token = str(uuid.uuid4())
    user_client.post(
        f"/snailmail/compose/contact/{contact.id}/contact-sheet/send",
        data={"token": token, "mode": "document"},
    )
    letter = Letter.get(Letter.uid == token)
    assert (letter.state, letter.document_id, letter.subject) == (
        "sent",
        "contact-sheet",
        "Contact sheet",
    )
    assert letter.filename == "Marie Dubois.pdf"


def test_an_unknown_document_is_a_404(user_client, snailmail, contact):
    assert (
        user_client.get(f"/snailmail/compose/contact/{contact.id}/no-such-doc").status_code == 404
    )
    assert user_client.get("/snailmail/compose/contact/999/contact-sheet").status_code == 404


def test_send_returns_only_to_a_page_of_this_site(user_client, snailmail, contact, give_credits):
    give_credits(5)
    for target in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        response = user_client.post(
            f"/snailmail/compose/contact/{contact.id}/contact-sheet/send",
            data={"token": str(uuid.uuid4()), "mode": "document", "next": target},
        )
        assert response.headers["Location"] == f"/contacts/{contact.id}", target


def test_letters_list_refreshes_its_moving_rows_in_one_request(
    app, user, user_client, snailmail, queue_letter, give_credits
):
    import re

    from addons.snailmail import sending, tracking

    give_credits(10)
    moving = queue_letter(author=user)
    failed = queue_letter(author=user, contact=None, address='{"name": "No Street"}')
    sending.send(moving.id)  # sent, accepted by the outbox: still on its way
    sending.send(failed.id)  # its address is incomplete: final
    page = user_client.get("/snailmail/letters").get_data(as_text=True)
    assert "data-poll=" not in page  # no row polls on its own
    assert 'data-letter-states="/snailmail/letters/states"' in page
    assert "snailmail/letters.js" in page
    rows = dict(re.findall(r'<tr [^>]*data-letter="(\d+)"([^>]*)>', page))
    assert "data-final" not in rows[str(moving.id)]
    assert "data-final" in rows[str(failed.id)]

    tracking.advance(moving.id, "printing")
    answer = user_client.get(f"/snailmail/letters/states?ids={moving.id},{failed.id},x,99999")
    letters = answer.get_json()["letters"]
    assert set(letters) == {str(moving.id), str(failed.id)}
    assert letters[str(moving.id)]["final"] is False
    assert 'data-letter-state="printing"' in letters[str(moving.id)]["html"]
    assert "data-poll" not in letters[str(moving.id)]["html"]
    assert letters[str(failed.id)]["final"] is True
    assert 'name="ids"' in letters[str(failed.id)]["html"]  # the Retry check box comes along
    anonymous = app.test_client().get(f"/snailmail/letters/states?ids={moving.id}")
    assert anonymous.status_code in (302, 401) and b"printing" not in anonymous.data


def test_a_letter_is_retried_and_canceled_from_the_contacts_chatter(
    admin_client, snailmail, queue_letter, give_credits, contact, snailmail_balance
):
    import re

    from addons.snailmail import sending

    def chatter_line(letter):
        page = admin_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
        line = Letter.get_by_id(letter.id).chatter_message_id
        return re.search(rf'data-message-id="{line}".*?</li>', page, re.S).group(0)

    letter = queue_letter()
    sending.send(letter.id)  # no credits: CREDIT_ERROR
    line = chatter_line(letter)
    assert "CREDIT_ERROR" in line
    assert 'href="/iap/buy/snailmail"' in line and "Buy credits" in line  # for who may buy
    assert f'action="/snailmail/letters/{letter.id}/retry"' in line
    assert f'action="/snailmail/letters/{letter.id}/cancel"' in line
    give_credits(5)
    contact_page = f"http://localhost/contacts/{contact.id}"
    back = admin_client.post(
        f"/snailmail/letters/{letter.id}/retry", headers={"Referer": contact_page}
    )
    assert back.status_code == 302 and back.location.endswith(f"/contacts/{contact.id}")
    sent = Letter.get_by_id(letter.id)
    assert sent.state == "sent" and snailmail_balance() == 5 - sent.charged
    line = chatter_line(letter)
    assert "/retry" not in line and "Buy credits" not in line  # nothing to retry any more
    assert f'action="/snailmail/letters/{letter.id}/cancel"' in line  # not printing yet
    back = admin_client.post(
        f"/snailmail/letters/{letter.id}/cancel", headers={"Referer": contact_page}
    )
    assert back.location.endswith(f"/contacts/{contact.id}")
    assert Letter.get_by_id(letter.id).state == "canceled"
    assert snailmail_balance() == 5  # its credits came back
    assert "message-actions" not in chatter_line(letter)
    # A referrer elsewhere is not followed.
    other = admin_client.post(
        f"/snailmail/letters/{letter.id}/retry", headers={"Referer": "https://evil.example/x"}
    )
    assert other.location.endswith(f"/snailmail/letters/{letter.id}")


def test_odd_unicode_ids_are_no_letters_not_a_500(user_client, queue_letter, user):
    # "²" is a digit to str.isdigit() that int() refuses: a 500 once.
    letter = queue_letter(author=user, state="error")
    answer = user_client.post("/snailmail/letters/retry", data={"ids": ["²", str(letter.id)]})
    assert answer.status_code == 302
    states = user_client.get(f"/snailmail/letters/states?ids=²,{letter.id}")
    assert states.status_code == 200 and list(states.get_json()["letters"]) == [str(letter.id)]


def test_a_new_print_shop_url_needs_https_and_the_client_secret_again(snailmail, app, admin_client):
    """As with the SMS gateway (issue 11 #9): a saved client secret is never sent to a
    URL that an admin's session changed alone, and the URLs are https:// only."""
    from addons.snailmail import config

    data = {
        "provider": "pingen",
        "window": "right",
        "pingen_base_url": "https://api.pingen.com",
        "pingen_identity_url": "https://api.pingen.com",
        "pingen_client_id": "client-1",
        "pingen_client_secret": "s3cr3t-value",
        "pingen_organisation": "org-1",
    }
    admin_client.post("/snailmail/settings", data=data)
    assert config.get("pingen_client_secret") == "s3cr3t-value"
    for field in ("pingen_base_url", "pingen_identity_url"):
        moved = {**data, field: "https://evil.example", "pingen_client_secret": ""}
        page = admin_client.post("/snailmail/settings", data=moved, follow_redirects=True)
        assert "enter the Client secret again to change this URL" in page.get_data(as_text=True)
        assert config.get(field) == "https://api.pingen.com"
    for url in ("javascript:alert(1)", "http://127.0.0.1:9", "ftp://api.pingen.com"):
        page = admin_client.post(
            "/snailmail/settings", data={**data, "pingen_base_url": url}, follow_redirects=True
        )
        assert "Pingen API URL: must start with https://" in page.get_data(as_text=True)
        assert config.get("pingen_base_url") == "https://api.pingen.com"
    app.config["SNAILMAIL_ALLOW_HTTP_PROVIDER"] = True
    admin_client.post("/snailmail/settings", data={**data, "pingen_base_url": "http://127.0.0.1:9"})
    assert config.get("pingen_base_url") == "http://127.0.0.1:9"
    # With the secret entered again the URL moves, and an empty URL means the default.
    admin_client.post("/snailmail/settings", data={**data, "pingen_identity_url": ""})
    assert config.get("pingen_identity_url") == "https://api.pingen.com"
