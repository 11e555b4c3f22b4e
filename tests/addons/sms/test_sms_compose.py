"""The 📱 button, the pop-up composer, its counter, sending one SMS and Resend."""

import html
import re
from decimal import Decimal

import pytest

from addons.sms.models import SmsMessage
from host import Contact
from host.models import Message
from tests.addons.sms.conftest import price

TWO_PARTS = "Hello Marie, your order is ready. " * 6  # 204 GSM-7 characters


def compose_url(contact, field="mobile"):
    return f"/sms/compose/{contact.id}/{field}"


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def send(client, contact, body, field="mobile", token=None):
    if token is None:
        token = token_of(client.get(compose_url(contact, field)).get_data(as_text=True))
    return client.post(
        compose_url(contact, field),
        data={"body": body, "token": token},
        headers={"X-Requested-With": "fetch"},
    )


def sms_chatter(contact):
    return list(
        Message.select().where(
            (Message.model == "contact") & (Message.res_id == contact.id) & (Message.kind == "sms")
        )
    )


# -- the button ------------------------------------------------------------------


def test_button_only_next_to_filled_phone_fields(sms, user_client, contact):
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert 'data-action="sms-mobile"' in page
    assert 'data-action="sms-phone"' not in page  # the fixture's phone is empty
    button = re.search(r'<a [^>]*data-action="sms-mobile"[^>]*>', page).group(0)
    assert f'href="/sms/compose/{contact.id}/mobile"' in button
    assert "data-dialog" in button and 'aria-label="SMS"' in button and 'title="SMS"' in button

    contact.phone, contact.mobile = "+32 2 555 12 12", "  "
    contact.save()
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert 'data-action="sms-phone"' in page and 'data-action="sms-mobile"' not in page


def test_no_button_while_the_addon_is_disabled(app, enable, user_client, contact):
    enable("iap")
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "sms-mobile" not in page
    assert user_client.get(compose_url(contact)).status_code == 404


# -- the pop-up and its counter --------------------------------------------------


def test_popup_shows_recipient_number_and_counter(sms, user_client, contact):
    page = user_client.get(compose_url(contact)).get_data(as_text=True)
    assert "Send SMS Text Message" in page
    assert "Marie Dubois" in page and "+32 470 12 34 56" in page
    assert 'name="body"' in page and ">Message</label>" in page
    assert "data-sms-counter" in page and 'data-preview="/sms/preview"' in page
    assert re.search(r"<button[^>]*>Send SMS</button>", page)
    assert "/sms/static/sms.js" in page  # the live counter runs when the dialog opens


def test_preview_counts_gsm_parts_and_credits(sms, user_client, contact):
    data = {"body": TWO_PARTS, "contact_id": contact.id, "field": "mobile"}
    info = user_client.post("/sms/preview", data=data).get_json()
    assert info["characters"] == 204
    assert (info["encoding"], info["unicode"], info["parts"]) == ("GSM-7", False, 2)
    assert Decimal(info["credits"]) == 2 * price("BE")
    assert info["unicode_chars"] == [] and info["problem"] == ""


def test_preview_names_the_characters_that_force_unicode(sms, user_client, contact):
    data = {"body": "Ça coûte 5 € — merci ✓", "contact_id": contact.id, "field": "mobile"}
    info = user_client.post("/sms/preview", data=data).get_json()
    assert info["unicode"] is True and info["encoding"] == "UCS-2"
    assert [label.split()[0] for label in info["unicode_chars"]] == ["û", "—", "✓"]
    assert info["parts"] == 1


def test_preview_without_a_price_has_no_cost(sms, user_client):
    far = Contact.create(name="Li Wei", mobile="+86 131 2345 6789", country="CN")
    data = {"body": "Hi", "contact_id": far.id, "field": "mobile"}
    assert user_client.post("/sms/preview", data=data).get_json()["credits"] is None


def test_preview_warns_past_the_limit(sms, user_client, contact):
    data = {"body": "x" * 1601, "contact_id": contact.id, "field": "mobile"}
    assert "1,600" in user_client.post("/sms/preview", data=data).get_json()["problem"]


def test_smart_encoding_keeps_gsm7(sms, admin_client, contact):
    from addons.sms import config

    body = "It’s “ready” – see you…"
    data = {"body": body, "contact_id": contact.id, "field": "mobile"}
    assert admin_client.post("/sms/preview", data=data).get_json()["unicode"] is True
    config.put("smart_encoding", True)
    info = admin_client.post("/sms/preview", data=data).get_json()
    assert info["unicode"] is False and info["smart_encoded"] is True


# -- sending -----------------------------------------------------------------------


def test_send_through_the_outbox(sms, user, user_client, contact, give_credits, sms_balance):
    give_credits(10)
    response = send(user_client, contact, TWO_PARTS)
    assert response.status_code == 200
    assert response.get_json() == {
        "message": "SMS sent to Marie Dubois (+32 470 12 34 56).",
        "close": True,
    }
    assert sms_balance() == Decimal(10) - 2 * price("BE")

    message = SmsMessage.get()
    assert (message.number, message.country, message.parts) == ("+32470123456", "BE", 2)
    assert message.charged == 2 * price("BE") and message.gateway == "outbox"
    assert message.state == "delivered"  # the outbox reports delivery (at once in tests)

    [note] = sms_chatter(contact)
    assert note.body == TWO_PARTS and note.author_id == user.id
    assert note.state == "delivered" and note.id == message.chatter_message_id

    outbox = user_client.get("/sms/outbox")
    assert outbox.status_code == 403  # an admin page


def test_outbox_reports_delivery_after_a_delay(sms, app, user_client, contact, give_credits):
    from addons.sms import jobs

    app.config["SMS_OUTBOX_DELIVERY_DELAY"] = 30
    app.config["HOST_JOBS_IMMEDIATE"] = False  # so the report is scheduled, not run at once
    scheduled = []
    jobs.outbox_deliver.schedule = lambda args, delay: scheduled.append((args, delay))
    try:
        give_credits(5)
        assert send(user_client, contact, "Hello").status_code == 200
    finally:
        del jobs.outbox_deliver.schedule
    message = SmsMessage.get()
    assert message.state == "sent" and scheduled == [((message.id,), 30)]
    assert sms_chatter(contact)[0].state == "sent"
    jobs.outbox_deliver(message.id)
    assert SmsMessage.get().state == "delivered" and sms_chatter(contact)[0].state == "delivered"


def test_double_submit_sends_once(sms, user_client, contact, give_credits, sms_balance):
    give_credits(10)
    token = token_of(user_client.get(compose_url(contact)).get_data(as_text=True))
    first = send(user_client, contact, "Hello", token=token)
    second = send(user_client, contact, "Hello", token=token)
    assert first.get_json() == second.get_json()
    assert SmsMessage.select().count() == 1 and sms_balance() == 10 - price("BE")


def test_insufficient_credit_then_resend(sms, admin_client, contact, give_credits, sms_balance):
    give_credits(1)
    response = send(admin_client, contact, TWO_PARTS)
    assert response.status_code == 402
    page = response.get_data(as_text=True)
    assert "data-insufficient-credit" in page and "Buy credits" in page
    assert 'href="/iap/buy/sms"' in page
    assert "This needs 2 credits and 1 is available." in " ".join(html.unescape(page).split())
    assert "Resend" in page

    message = SmsMessage.get()
    assert (message.state, message.failure_type) == ("failed", "insufficient_credit")
    assert message.provider_id is None and message.charged == 0
    assert sms_chatter(contact)[0].state == "failed"
    assert sms_balance() == 1

    give_credits(5)
    resend = admin_client.post(
        f"/sms/messages/{message.id}/resend", headers={"X-Requested-With": "fetch"}
    )
    assert resend.status_code == 200 and resend.get_json()["close"] is True
    message = SmsMessage.get()
    assert message.state == "delivered" and message.attempts == 2
    assert sms_balance() == 6 - 2 * price("BE")
    assert sms_chatter(contact)[0].state == "delivered"
    assert SmsMessage.select().count() == 1

    again = admin_client.post(
        f"/sms/messages/{message.id}/resend", headers={"X-Requested-With": "fetch"}
    )
    assert again.status_code == 409  # a delivered message is never sent twice
    assert sms_balance() == 6 - 2 * price("BE")


def test_resend_from_the_history_page(sms, admin_client, contact, give_credits):
    send(admin_client, contact, "Hello")
    message = SmsMessage.get()
    page = admin_client.get("/sms/").get_data(as_text=True)
    assert f'action="/sms/messages/{message.id}/resend"' in page
    give_credits(2)
    response = admin_client.post(f"/sms/messages/{message.id}/resend", headers={"Referer": "/sms/"})
    assert response.status_code == 302
    assert SmsMessage.get().state == "delivered"


@pytest.mark.parametrize(
    "raw, country, expected",
    [
        ("0470 12 34 56 789", "BE", "has the wrong length"),
        ("+32 47O 12 34 56", "BE", "contains letters"),
        ("call me", "BE", "contains letters"),
        ("+86 131 2345 6789", "CN", "Sending SMS to China is not supported"),
        ("+800 1234 5678", "", "is not supported"),
    ],
)
def test_unusable_numbers_are_refused(
    sms, user_client, give_credits, sms_balance, raw, country, expected
):
    give_credits(10)
    who = Contact.create(name="Someone", mobile=raw, country=country)
    page = user_client.get(compose_url(who)).get_data(as_text=True)
    assert expected in html.unescape(page)
    assert re.search(r"<button[^>]*disabled[^>]*>Send SMS</button>", page)
    response = send(user_client, who, "Hello")
    assert response.status_code == 422
    assert expected in html.unescape(response.get_data(as_text=True))
    assert SmsMessage.select().count() == 0 and sms_balance() == 10
    assert sms_chatter(who) == []


def test_national_number_uses_the_contact_then_the_company_country(sms, user_client, give_credits):
    give_credits(10)
    french = Contact.create(name="Luc", mobile="06 12 34 56 78", country="FR")
    local = Contact.create(name="Jan", mobile="0470 12 34 56", country="")
    assert send(user_client, french, "Salut").status_code == 200
    assert send(user_client, local, "Hallo").status_code == 200
    numbers = sorted(m.number for m in SmsMessage.select())
    assert numbers == ["+32470123456", "+33612345678"]


@pytest.mark.parametrize(
    "body, expected",
    [("", "The message is empty."), ("   ", "The message is empty."), ("x" * 1601, "1,601")],
)
def test_empty_or_too_long_text_is_refused(
    sms, user_client, contact, give_credits, sms_balance, body, expected
):
    give_credits(10)
    response = send(user_client, contact, body)
    assert response.status_code == 422
    assert expected in response.get_data(as_text=True)
    assert SmsMessage.select().count() == 0 and sms_balance() == 10


def test_1600_characters_is_the_limit(sms, user_client, contact, give_credits):
    give_credits(20)
    assert send(user_client, contact, "x" * 1600).status_code == 200
    assert SmsMessage.get().parts == 11


def test_blacklisted_number_is_refused(sms, user_client, contact, give_credits, sms_balance):
    from addons.sms import blacklist

    give_credits(10)
    blacklist.add("+32470123456", reason="Replied STOP", source="reply")
    response = send(user_client, contact, "Hello")
    assert response.status_code == 422
    assert "is blacklisted" in response.get_data(as_text=True)
    assert SmsMessage.select().count() == 0 and sms_balance() == 10


def test_a_price_override_changes_the_cost(sms, admin_client, contact, give_credits, sms_balance):
    give_credits(10)
    response = admin_client.post("/sms/prices", data={"price-BE": "2.5"})
    assert response.status_code == 302
    send(admin_client, contact, "Hello")
    assert sms_balance() == Decimal("7.5")


def test_a_failed_capture_charges_nothing_and_records_the_sms_sent(
    sms, user_client, contact, give_credits, sms_balance, monkeypatch
):
    """The sent mark and the charge commit with the capture: when they fail,
    the credits are given back and the SMS, which did go out, is recorded
    sent and charged nothing (never failed: a Resend would send it twice)."""
    from addons.iap.models import Hold
    from addons.sms import sending

    give_credits(10)
    real = sending.record_sent

    def record_sent(accepted, gateway_key, *, charged=True):
        if charged:
            raise RuntimeError("bookkeeping failed")
        real(accepted, gateway_key, charged=charged)

    monkeypatch.setattr(sending, "record_sent", record_sent)
    with pytest.raises(RuntimeError, match="bookkeeping failed"):
        send(user_client, contact, TWO_PARTS)
    message = SmsMessage.get()
    assert (message.state, message.charged, message.gateway) == ("sent", 0, "outbox")
    assert message.provider_id
    assert sms_balance() == 10 and Hold.get().state == "released"


# -- the pop-up's URL opened directly, and why a number is blacklisted -----------


def test_popup_url_opened_directly_is_a_page_that_sends(sms, user_client, contact, give_credits):
    give_credits(5)
    page = user_client.get(compose_url(contact)).get_data(as_text=True)
    assert '<link rel="stylesheet"' in page and 'class="breadcrumb"' in page
    assert f'href="/contacts/{contact.id}"' in page  # Discard goes back to the contact
    assert "data-dialog-close" not in page

    empty = user_client.post(compose_url(contact), data={"body": "", "token": token_of(page)})
    assert empty.status_code == 422 and "<html" in empty.get_data(as_text=True)

    sent = user_client.post(compose_url(contact), data={"body": "Hello", "token": token_of(page)})
    assert sent.status_code == 303 and sent.location.endswith(f"/contacts/{contact.id}")
    assert "SMS sent to Marie Dubois." in user_client.get(sent.location).get_data(as_text=True)


def test_blacklisted_number_says_where_its_entry_came_from(sms, user_client, contact):
    from addons.sms import blacklist

    blacklist.add("+32470123456", reason="Asked by phone", source="manual")
    page = user_client.get(compose_url(contact), headers={"X-Requested-With": "fetch"})
    text = page.get_data(as_text=True)
    assert "is blacklisted: it was added by hand (Asked by phone)." in text
    assert "STOP" not in text

    blacklist.remove("+32470123456")
    blacklist.add("+32470123456", reason="Replied STOPALL", source="reply")
    text = user_client.get(compose_url(contact)).get_data(as_text=True)
    assert "is blacklisted: its owner replied STOPALL." in text
