"""The Pingen-style client against a loopback server speaking its wire format,
and its signed webhooks walking a letter through every state."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdf
import pytest

from addons.snailmail import retries, sending, tracking
from addons.snailmail.models import Letter, ShopEvent
from host.models import Message
from tests.addons.snailmail import fake_pingen as wire

WEBHOOK = "/snailmail/webhooks/pingen"


def chatter(letter_id: int) -> Message:
    return Message.get_by_id(Letter.get_by_id(letter_id).chatter_message_id)


def post_event(client, pingen, letter, status, event_id=None):
    body, headers = pingen.event(letter.provider_id, status, event_id)
    return client.post(WEBHOOK, data=body, headers=headers)


@pytest.fixture
def sent_letter(pingen, queue_letter, give_credits):
    give_credits(10)
    letter = queue_letter()
    sent = sending.send(letter.id)
    assert sent.state == "sent", sent.error_message
    return sent


def test_the_letter_is_created_with_its_options_and_the_printed_pdf(
    pingen, queue_letter, give_credits, snailmail_balance
):
    give_credits(10)
    letter = queue_letter(color=True, duplex=True, delivery="priority", cover=True)
    sent = sending.send(letter.id)
    assert (sent.state, sent.shop_state, sent.provider) == ("sent", "submitted", "pingen")
    shop_letter = pingen.letters[sent.provider_id]
    assert shop_letter["key"] == letter.uid
    assert shop_letter["pdf"] == bytes(sent.printable)
    assert len(pypdf.PdfReader(io.BytesIO(shop_letter["pdf"])).pages) == 3  # cover, blank, page
    assert {
        k: shop_letter["attributes"][k]
        for k in (
            "address_position",
            "auto_send",
            "delivery_product",
            "print_mode",
            "print_spectrum",
        )
    } == {
        "address_position": "right",
        "auto_send": True,
        "delivery_product": "fast",
        "print_mode": "duplex",
        "print_spectrum": "color",
    }
    assert snailmail_balance() == Decimal(10) - sent.charged
    # One token served every call.
    assert pingen.requests.count(("POST", "/auth/access-tokens")) == 1


def test_webhooks_walk_the_letter_to_delivered_in_the_chatter(client, pingen, sent_letter):
    for status, chatter_state, detail in [
        ("accepted", "sent", "accepted by the print shop"),
        ("printing", "sent", "printing"),
        ("sent", "sent", "posted"),
        ("delivered", "delivered", ""),
    ]:
        answer = post_event(client, pingen, sent_letter, status)
        assert answer.status_code == 200 and answer.get_json() == {"status": "updated"}
        message = chatter(sent_letter.id)
        assert (message.state, message.state_detail) == (chatter_state, detail)
    assert Letter.get_by_id(sent_letter.id).shop_state == "delivered"


def test_a_bad_signature_is_refused_and_changes_nothing(client, pingen, sent_letter):
    body, headers = pingen.event(sent_letter.provider_id, "printing")
    assert (
        client.post(WEBHOOK, data=body, headers={**headers, "Signature": "0" * 64}).status_code
        == 403
    )
    assert client.post(WEBHOOK, data=body).status_code == 403
    assert client.post(WEBHOOK, data=body + b" ", headers=headers).status_code == 403
    assert Letter.get_by_id(sent_letter.id).shop_state == "submitted"


def test_a_replayed_event_changes_nothing(client, pingen, sent_letter):
    body, headers = pingen.event(sent_letter.provider_id, "printing", "event-1")
    assert client.post(WEBHOOK, data=body, headers=headers).get_json()["status"] == "updated"
    tracking_state = Letter.get_by_id(sent_letter.id).shop_updated_at
    again = client.post(WEBHOOK, data=body, headers=headers).get_json()
    assert again == {"status": "unchanged", "reason": "event already applied"}
    assert Letter.get_by_id(sent_letter.id).shop_updated_at == tracking_state
    assert ShopEvent.select().count() == 1


def test_a_state_never_moves_backwards(client, pingen, sent_letter):
    post_event(client, pingen, sent_letter, "sent")
    assert post_event(client, pingen, sent_letter, "printing").get_json() == {"status": "unchanged"}
    assert Letter.get_by_id(sent_letter.id).shop_state == "sent"


def test_an_event_for_an_unknown_letter_is_ignored(client, pingen, snailmail):
    body, headers = pingen.event("no-such-letter", "sent")
    answer = client.post(WEBHOOK, data=body, headers=headers)
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ignored", "reason": "unknown letter"}


def test_a_malformed_event_is_a_400(client, pingen, snailmail):
    from addons.snailmail.providers.pingen import sign

    body = b'{"data": {}}'
    answer = client.post(WEBHOOK, data=body, headers={"Signature": sign(wire.WEBHOOK_SECRET, body)})
    assert answer.status_code == 400


def test_undeliverable_is_returned_to_sender(client, pingen, sent_letter, snailmail_balance):
    for status in ("accepted", "printing", "sent", "undeliverable"):
        post_event(client, pingen, sent_letter, status)
    message = chatter(sent_letter.id)
    assert (message.state, message.state_detail) == ("failed", "returned to sender")
    # It was posted: the postage stays spent.
    assert snailmail_balance() == Decimal(10) - sent_letter.charged


@pytest.mark.parametrize("verdict", ["action_required", "invalid"])
def test_a_letter_the_shop_refuses_at_validation_costs_nothing(
    pingen, queue_letter, give_credits, snailmail_balance, verdict
):
    give_credits(10)
    pingen.verdict = verdict
    letter = queue_letter()
    failed = sending.send(letter.id)
    assert (failed.state, failed.error_code) == ("error", "FORMAT_ERROR")
    assert (
        "action required" if verdict == "action_required" else "invalid"
    ) in failed.error_message
    assert snailmail_balance() == 10
    assert [x["status"] for x in pingen.letters.values()] == ["cancelled"]


def test_a_refusal_after_acceptance_is_refunded(client, pingen, sent_letter, snailmail_balance):
    post_event(client, pingen, sent_letter, "action_required")  # ranks below submitted: ignored
    assert Letter.get_by_id(sent_letter.id).state == "sent"
    post_event(client, pingen, sent_letter, "invalid")
    letter = Letter.get_by_id(sent_letter.id)
    assert (letter.state, letter.error_code, letter.charged) == ("error", "FORMAT_ERROR", 0)
    assert snailmail_balance() == 10


def test_cancel_while_not_printing_refunds_and_cancels_at_the_shop(
    pingen, sent_letter, snailmail_balance
):
    canceled = tracking.cancel(sent_letter.id)
    assert canceled.state == "canceled"
    assert pingen.letters[sent_letter.provider_id]["status"] == "cancelled"
    assert snailmail_balance() == 10


def test_cancel_refused_by_the_shop_keeps_the_charge(
    client, pingen, sent_letter, snailmail_balance
):
    pingen.letters[sent_letter.provider_id]["status"] = "printing"  # the webhook is late
    with pytest.raises(tracking.CannotCancel, match="already printing"):
        tracking.cancel(sent_letter.id)
    assert Letter.get_by_id(sent_letter.id).state == "sent"
    assert snailmail_balance() == Decimal(10) - sent_letter.charged


def test_a_cancellation_webhook_refunds_once(client, pingen, sent_letter, snailmail_balance):
    post_event(client, pingen, sent_letter, "cancelled", "ev-cancel")
    post_event(client, pingen, sent_letter, "cancelled", "ev-cancel-2")
    assert Letter.get_by_id(sent_letter.id).state == "canceled"
    assert snailmail_balance() == 10


def test_the_shop_timing_out_after_creating_the_letter_is_charged_once_on_retry(
    pingen, queue_letter, give_credits, snailmail_balance
):
    give_credits(10)
    pingen.fail_next(f"/organisations/{wire.ORGANISATION}/deliveries/letters", "timeout")
    letter = queue_letter()
    failed = sending.send(letter.id)
    assert (failed.state, failed.error_code) == ("error", "UNKNOWN_ERROR")
    assert "did not answer" in failed.error_message
    assert snailmail_balance() == 10
    assert len(pingen.letters) == 1  # it did arrive
    sending.requeue([letter.id])
    sent = sending.send(letter.id)
    assert sent.state == "sent"
    assert len(pingen.letters) == 1  # the same letter, by its idempotency key
    assert snailmail_balance() == Decimal(10) - sent.charged


def test_the_shop_answering_500_charges_nothing(
    pingen, queue_letter, give_credits, snailmail_balance
):
    give_credits(10)
    pingen.fail_next("/file-upload", "500")
    letter = queue_letter()
    failed = sending.send(letter.id)
    assert (failed.error_code, failed.error_message) == (
        "UNKNOWN_ERROR",
        "The print shop had an error (HTTP 500); it will be retried.",
    )
    assert snailmail_balance() == 10


def test_the_shop_refusing_the_file_names_the_reason(
    pingen, queue_letter, give_credits, snailmail_balance
):
    give_credits(10)
    pingen.fail_next(f"/organisations/{wire.ORGANISATION}/deliveries/letters", "422")
    letter = queue_letter()
    failed = sending.send(letter.id)
    assert failed.error_code == "FORMAT_ERROR"
    assert failed.error_message == "The print shop refused the letter: The file is not a valid PDF."
    assert failed.uid != letter.uid
    assert snailmail_balance() == 10


def test_wrong_credentials_say_so_without_the_secret(pingen, queue_letter, give_credits):
    from addons.snailmail import config

    give_credits(10)
    config.put("pingen_client_secret", "wrong-secret-value")
    failed = sending.send(queue_letter().id)
    assert failed.error_message == "The print shop refused our credentials: check them in Settings."
    assert "wrong-secret-value" not in failed.error_message


def test_pingen_not_configured(snailmail, queue_letter, give_credits):
    from addons.snailmail import config

    give_credits(10)
    config.put("provider", "pingen")
    failed = sending.send(queue_letter().id)
    assert failed.error_message.startswith("Pingen is not configured: missing client ID")


def test_the_print_shop_failing_is_retried_with_backoff_then_given_up(
    app, pingen, queue_letter, give_credits, snailmail_balance, admin_client
):
    import datetime as dt

    app.config.update(SNAILMAIL_UNKNOWN_RETRIES=2, SNAILMAIL_RETRY_DELAY=60)
    give_credits(10)
    letter = queue_letter()

    def fails_again():
        pingen.fail_next("/file-upload", "500")

    def age(seconds):  # the letter failed that long ago
        before = Letter.get_by_id(letter.id).updated_at
        Letter.update(updated_at=before - dt.timedelta(seconds=seconds)).where(
            Letter.id == letter.id
        ).execute()

    fails_again()
    assert sending.send(letter.id).unknown_errors == 1
    assert retries.retry_errors() == {"sent": 0, "failed": 0, "stopped_at_credit_error": False}
    age(61)
    fails_again()
    assert retries.retry_errors()["failed"] == 1  # first retry, after 60 s
    assert Letter.get_by_id(letter.id).unknown_errors == 2
    age(61)
    assert retries.retry_errors()["failed"] == 0  # the second waits 120 s
    age(60)
    fails_again()
    assert retries.retry_errors()["failed"] == 1
    given_up = Letter.get_by_id(letter.id)
    assert (given_up.state, given_up.error_code, given_up.unknown_errors) == (
        "error",
        "UNKNOWN_ERROR",
        3,
    )
    assert given_up.error_message == (
        "The print shop had an error (HTTP 500); it will be retried. Gave up after 3 tries: "
        "check the print shop (Settings), then Retry."
    )
    age(100_000)
    assert retries.retry_errors()["failed"] == 0  # no more automatic retries
    assert snailmail_balance() == 10
    # A person's Retry starts afresh, and the letter goes out, charged once.
    admin_client.post(f"/snailmail/letters/{letter.id}/retry")
    sent = Letter.get_by_id(letter.id)
    assert (sent.state, sent.unknown_errors) == ("sent", 0)
    assert snailmail_balance() == Decimal(10) - sent.charged


def test_the_client_speaks_the_documented_paths_and_attributes(pingen, queue_letter, give_credits):
    give_credits(10)
    sent = sending.send(queue_letter().id)
    letters = f"/organisations/{wire.ORGANISATION}/deliveries/letters"
    assert [call for call in pingen.requests if not call[1].startswith("/storage/")][:3] == [
        ("POST", "/auth/access-tokens"),
        ("GET", "/file-upload"),
        ("POST", letters),
    ]
    assert set(pingen.letters[sent.provider_id]["attributes"]) == {
        "file_original_name",
        "file_url",
        "file_url_signature",
        "address_position",
        "auto_send",
        "delivery_product",
        "print_mode",
        "print_spectrum",
    }
    tracking.cancel(sent.id)
    assert ("PATCH", f"{letters}/{sent.provider_id}/cancel") in pingen.requests


def test_the_fake_shop_refuses_what_the_api_refuses():
    assert wire._refused({"type": "letters"}, {"file_url": "u"}) == "file_original_name is required"
    good = {
        "file_original_name": "a.pdf",
        "file_url": "u",
        "file_url_signature": "s",
        "address_position": "right",
        "auto_send": True,
        "delivery_product": "cheap",
        "print_mode": "simplex",
        "print_spectrum": "grayscale",
    }
    assert wire._refused({"type": "letters"}, good) == ""
    assert "unknown attributes" in wire._refused({"type": "letters"}, {**good, "colour": 1})
    assert "meta_data" in wire._refused({"type": "letters"}, {**good, "meta_data": {"ref": "x"}})
    assert "print_spectrum" in wire._refused({"type": "letters"}, {**good, "print_spectrum": "bw"})
