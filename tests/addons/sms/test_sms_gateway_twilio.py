"""Sending through Twilio (the fake), its status callbacks and inbound replies."""

from types import SimpleNamespace

import pytest

from addons.iap.models import Hold
from addons.sms import blacklist
from addons.sms.models import SmsBlacklist, SmsMessage
from host import Contact
from host.models import Message
from tests.addons.sms.conftest import SENDER, price
from tests.addons.sms.fake_twilio import AUTH_TOKEN
from tests.addons.sms.test_sms_compose import send

STATUS_URL = "http://localhost/sms/webhooks/twilio/status"
INBOUND_URL = "http://localhost/sms/webhooks/twilio/inbound"


@pytest.fixture
def sent(twilio_gateway, user_client, contact, give_credits):
    """One SMS accepted by Twilio (state ``sent``)."""
    give_credits(10)
    assert send(user_client, contact, "Your parcel is on its way").status_code == 200
    return SmsMessage.get()


def callback(client, fake, message, status, *, url=None, error_code=None, signature=None):
    url = url or f"{STATUS_URL}?message={message.id}"
    params, good = fake.status_callback(message.provider_id, status, url, error_code=error_code)
    path = url.removeprefix("http://localhost")
    return client.post(
        path, data=params, headers={"X-Twilio-Signature": signature or good}, csrf=False
    )


def chatter_state(message):
    return Message.get_by_id(message.chatter_message_id).state


# -- sending ---------------------------------------------------------------------


def test_send_through_twilio(sent, twilio_gateway, sms_balance):
    [wire] = twilio_gateway.messages
    assert wire["To"] == "+32470123456" and wire["From"] == SENDER
    assert wire["Body"] == "Your parcel is on its way"
    assert wire["StatusCallback"] == f"{STATUS_URL}?message={sent.id}"
    assert sent.provider_id == wire["sid"] and sent.gateway == "twilio"
    assert sent.state == "sent" and chatter_state(sent) == "sent"
    assert sms_balance() == 10 - price("BE")
    hold = Hold.get(Hold.reference == f"sms.message:{sent.id}")
    assert (hold.state, hold.captured) == ("captured", price("BE"))


def test_server_error_releases_the_credits(
    twilio_gateway, user_client, contact, give_credits, sms_balance
):
    give_credits(10)
    twilio_gateway.fail_next(500)
    response = send(user_client, contact, "Hello")
    assert response.status_code == 502
    page = response.get_data(as_text=True)
    assert "Server error" in page and "No credit was spent" in page and "Resend" in page
    message = SmsMessage.get()
    assert (message.state, message.failure_type) == ("failed", "server_error")
    assert chatter_state(message) == "failed"
    assert sms_balance() == 10
    assert Hold.get(Hold.reference == f"sms.message:{message.id}").state == "released"

    resend = user_client.post(
        f"/sms/messages/{message.id}/resend", headers={"X-Requested-With": "fetch"}
    )
    assert resend.get_json()["close"] is True
    assert SmsMessage.get().state == "sent" and len(twilio_gateway.messages) == 1
    assert sms_balance() == 10 - price("BE")


def test_timeout_is_a_server_error_without_charge(
    app, twilio_gateway, user_client, contact, give_credits, sms_balance
):
    give_credits(10)
    app.config["SMS_TWILIO_TIMEOUT"] = 0.3
    twilio_gateway.delay = 1
    assert send(user_client, contact, "Hello").status_code == 502
    message = SmsMessage.get()
    assert (message.state, message.failure_type) == ("failed", "server_error")
    assert "no answer" in message.failure_reason
    assert sms_balance() == 10


def test_number_refused_by_twilio_is_not_charged(
    twilio_gateway, user_client, contact, give_credits, sms_balance
):
    give_credits(10)
    twilio_gateway.reject_number("+32470123456", 21614)
    response = send(user_client, contact, "Hello")
    assert response.status_code == 502 and "Resend" not in response.get_data(as_text=True)
    assert SmsMessage.get().failure_type == "wrong_format"
    assert sms_balance() == 10


def test_unsubscribed_recipient_is_blacklisted(
    twilio_gateway, user_client, contact, give_credits, sms_balance
):
    give_credits(10)
    twilio_gateway.reject_number("+32470123456", 21610)
    send(user_client, contact, "Hello")
    assert SmsMessage.get().failure_type == "blacklisted"
    assert blacklist.is_blacklisted("+32470123456") and sms_balance() == 10


def test_twilio_without_configuration_sends_nothing(
    sms, user_client, contact, give_credits, sms_balance
):
    from addons.sms import config

    give_credits(10)
    config.put("gateway", "twilio")
    assert send(user_client, contact, "Hello").status_code == 502
    assert "not configured" in SmsMessage.get().failure_reason
    assert sms_balance() == 10


# -- status callbacks ----------------------------------------------------------------


def test_signed_callbacks_move_the_state_forward(sent, client, twilio_gateway):
    response = callback(client, twilio_gateway, sent, "delivered")
    assert response.status_code == 200 and response.get_json() == {"status": "updated"}
    assert SmsMessage.get().state == "delivered" and chatter_state(sent) == "delivered"

    again = callback(client, twilio_gateway, sent, "delivered")
    assert again.status_code == 200 and again.get_json() == {"status": "unchanged"}


def test_callbacks_never_move_a_state_backwards(sent, client, twilio_gateway):
    callback(client, twilio_gateway, sent, "delivered")
    for late in ("queued", "sending", "sent", "failed", "undelivered"):
        assert callback(client, twilio_gateway, sent, late).status_code == 200
        assert SmsMessage.get().state == "delivered" and chatter_state(sent) == "delivered"


def test_queued_callback_after_sent_is_ignored(sent, client, twilio_gateway):
    callback(client, twilio_gateway, sent, "queued")
    assert SmsMessage.get().state == "sent"


def test_undelivered_callback_fails_the_message(sent, client, twilio_gateway, sms_balance):
    callback(client, twilio_gateway, sent, "undelivered", error_code=30003)
    message = SmsMessage.get()
    assert (message.state, message.failure_type) == ("failed", "not_delivered")
    assert "30003" in message.failure_reason
    assert Message.get_by_id(message.chatter_message_id).state_detail.startswith("Not delivered")
    # The carrier got it: Twilio bills an undelivered message, so is it.
    assert sms_balance() == 10 - price("BE")
    callback(client, twilio_gateway, sent, "delivered")
    assert SmsMessage.get().state == "failed"


def test_forged_callback_is_refused(sent, client, twilio_gateway):
    response = callback(client, twilio_gateway, sent, "delivered", signature="Zm9yZ2Vk")
    assert response.status_code == 403
    params, signature = twilio_gateway.status_callback(
        sent.provider_id, "delivered", f"{STATUS_URL}?message={sent.id}"
    )
    params["MessageStatus"] = params["SmsStatus"] = "failed"  # tampered with on the way
    tampered = client.post(
        f"/sms/webhooks/twilio/status?message={sent.id}",
        data=params,
        headers={"X-Twilio-Signature": signature},
    )
    unsigned = client.post(f"/sms/webhooks/twilio/status?message={sent.id}", data=params)
    assert tampered.status_code == unsigned.status_code == 403
    assert SmsMessage.get().state == "sent"


def test_callback_signed_with_another_token_is_refused(sent, client, twilio_gateway):
    from addons.sms.twilio import compute_signature

    url = f"{STATUS_URL}?message={sent.id}"
    params, _ = twilio_gateway.status_callback(sent.provider_id, "delivered", url)
    forged = compute_signature("not-" + AUTH_TOKEN, url, params)
    response = callback(client, twilio_gateway, sent, "delivered", signature=forged)
    assert response.status_code == 403 and SmsMessage.get().state == "sent"


def test_malformed_callback_is_400(sent, client):
    from addons.sms.twilio import compute_signature

    params = {"MessageSid": sent.provider_id, "MessageStatus": "exploded"}
    signature = compute_signature(AUTH_TOKEN, STATUS_URL, params)
    response = client.post(
        "/sms/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 400 and SmsMessage.get().state == "sent"


def test_unknown_message_is_ignored(sent, client):
    from addons.sms.twilio import compute_signature

    params = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    signature = compute_signature(AUTH_TOKEN, STATUS_URL, params)
    response = client.post(
        "/sms/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"
    assert SmsMessage.get().state == "sent"


def test_callback_overtaking_the_answer_adopts_the_message(sent, client, twilio_gateway):
    """The report names our message in its signed URL, for when it comes before
    the gateway's answer was recorded."""
    SmsMessage.update(provider_id=None, state="processing").execute()
    sid = twilio_gateway.messages[0]["sid"]
    url = f"{STATUS_URL}?message={sent.id}"
    params, signature = twilio_gateway.status_callback(sid, "sent", url)
    response = client.post(
        f"/sms/webhooks/twilio/status?message={sent.id}",
        data=params,
        headers={"X-Twilio-Signature": signature},
    )
    assert response.get_json() == {"status": "updated"}
    assert SmsMessage.get().provider_id == sid and SmsMessage.get().state == "sent"


def test_callback_needs_a_configured_token(sms, client):
    response = client.post("/sms/webhooks/twilio/status", data={"MessageSid": "SM1"})
    assert response.status_code == 403


# -- replies ---------------------------------------------------------------------------


def reply(client, number, body, signature=None, sid=None):
    import uuid

    from addons.sms.twilio import compute_signature

    sid = sid or "SM" + uuid.uuid4().hex
    params = {"From": number, "To": SENDER, "Body": body, "MessageSid": sid}
    signature = signature or compute_signature(AUTH_TOKEN, INBOUND_URL, params)
    return client.post(
        "/sms/webhooks/twilio/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )


def test_stop_blacklists_and_start_lifts_it(twilio_gateway, client):
    for word in ("STOP", "stop", "  Stop \n", "STOPALL", "unsubscribe", "Cancel", "END", "quit"):
        response = reply(client, "+32470123456", word)
        assert response.status_code == 200 and response.mimetype == "text/xml"
        assert blacklist.is_blacklisted("+32470123456"), word
        reply(client, "+32470123456", word)  # idempotent
        assert SmsBlacklist.select().count() == 1
        reply(client, "+32470123456", " Start ")
        assert not blacklist.is_blacklisted("+32470123456"), word


def test_a_replayed_start_does_not_undo_a_later_stop(twilio_gateway, client):
    """Issue 11 #10: the replay is validly signed, but was acted upon already."""
    start_sid = "SM" + "5" * 32
    reply(client, "+32470123456", "START", sid=start_sid)
    reply(client, "+32470123456", "STOP")
    replayed = reply(client, "+32470123456", "START", sid=start_sid)
    assert replayed.status_code == 200
    assert blacklist.is_blacklisted("+32470123456")


def test_a_reply_without_its_id_is_refused(twilio_gateway, client):
    from addons.sms.twilio import compute_signature

    params = {"From": "+32470123456", "To": SENDER, "Body": "START"}
    signature = compute_signature(AUTH_TOKEN, INBOUND_URL, params)
    response = client.post(
        "/sms/webhooks/twilio/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 400


def test_stop_from_an_unknown_number_blacklists_it(twilio_gateway, client):
    assert Contact.select().count() == 0
    reply(client, "+33612345678", "STOP")
    assert blacklist.is_blacklisted("+33612345678")
    assert SmsBlacklist.get().source == "reply"


def test_other_replies_change_nothing(twilio_gateway, client):
    for body in ("Stop sending me this please", "STOP!", "Thanks", ""):
        assert reply(client, "+32470123456", body).status_code == 200
    assert SmsBlacklist.select().count() == 0


def test_forged_or_malformed_reply(twilio_gateway, client):
    assert reply(client, "+32470123456", "STOP", signature="Zm9yZ2Vk").status_code == 403
    assert SmsBlacklist.select().count() == 0
    assert reply(client, "not a number", "STOP").status_code == 400


def test_stop_then_send_is_refused(twilio_gateway, client, user_client, contact, give_credits):
    give_credits(10)
    reply(client, "+32470123456", "STOP")
    response = send(user_client, contact, "Hello")
    assert response.status_code == 422 and "blacklisted" in response.get_data(as_text=True)
    assert twilio_gateway.messages == []


def test_an_odd_unicode_message_number_in_a_signed_callback_is_no_500(sent, client, twilio_gateway):
    # "²" is a digit to str.isdigit() that int() refuses: a 500 once.
    # A report naming a message not yet known by its Twilio id: the URL's
    # message number is read.
    SmsMessage.update(provider_id=None).execute()
    odd = SimpleNamespace(provider_id=sent.provider_id, id="²")
    response = callback(client, twilio_gateway, odd, "delivered")
    assert response.status_code < 500
    assert SmsMessage.get().state == "sent"
