"""Sending a letter: priced, charged once when accepted, released when refused, refunded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from addons.snailmail import jobs, pricing, retries, sending, tracking
from addons.snailmail.models import Letter
from host.models import Message
from tests.addons.snailmail import documents


def chatter(letter) -> Message:
    return Message.get_by_id(Letter.get_by_id(letter.id).chatter_message_id)


def test_a_letter_is_charged_its_price_once_the_outbox_accepts_it(
    queue_letter, give_credits, snailmail_balance
):
    give_credits(10)
    letter = queue_letter(document=documents.pdf(3))
    sent = sending.send(letter.id)
    assert sent.state == "sent" and sent.shop_state == "accepted"
    assert sent.sheets == 3
    expected = pricing.price("BE", 3)
    assert expected == Decimal("1.30")  # domestic: 1.10 + 2 × 0.10
    assert sent.charged == expected
    assert snailmail_balance() == Decimal(10) - expected
    assert chatter(letter).state == "sent"
    # Sending again changes nothing and charges nothing.
    assert sending.send(letter.id).state == "sent"
    assert snailmail_balance() == Decimal(10) - expected


def test_the_outbox_walks_the_letter_to_delivered_and_the_chatter_follows(
    queue_letter, give_credits
):
    give_credits(10)
    letter = queue_letter()
    sending.send(letter.id)
    states = []
    for _ in range(5):
        states.append(jobs.outbox_step(letter.id))
    assert states[:3] == ["printing", "sent", "delivered"]
    assert Letter.get_by_id(letter.id).shop_state == "delivered"
    assert chatter(letter).state == "delivered"


def test_out_of_credits_the_letter_waits_with_credit_error_and_retry_sends_it(
    queue_letter, give_credits, snailmail_balance
):
    letter = queue_letter()
    failed = sending.send(letter.id)
    assert (failed.state, failed.error_code) == ("error", "CREDIT_ERROR")
    assert "Buy credits" in failed.error_message
    assert chatter(letter).state == "failed"
    assert "CREDIT_ERROR" in chatter(letter).state_detail
    give_credits(5)
    assert retries.retry_errors()["sent"] == 1
    assert Letter.get_by_id(letter.id).state == "sent"
    assert snailmail_balance() == Decimal(5) - Decimal("1.10")


def test_the_retry_job_stops_at_the_first_credit_error(queue_letter, give_credits, contact):
    give_credits(Decimal("1.10"))
    letters = [queue_letter() for _ in range(3)]
    for letter in letters:
        sending.send(letter.id)  # all fail: the first sends take the credits? none: balance 1.10
    # The first one went out; the next two wait for credits.
    assert [Letter.get_by_id(x.id).state for x in letters] == ["sent", "error", "error"]
    result = retries.retry_errors()
    assert result == {"sent": 0, "failed": 1, "stopped_at_credit_error": True}
    # The third letter was not tried: stopped at the second.
    assert Letter.get_by_id(letters[2].id).attempts == 1


def test_no_price_for_the_country_nothing_charged(
    queue_letter, give_credits, snailmail_balance, contact
):
    give_credits(10)
    contact.country = "KP"
    contact.zip = ""
    contact.city = "Pyongyang"
    contact.save()
    letter = queue_letter()
    failed = sending.send(letter.id)
    assert failed.error_code == "NO_PRICE_AVAILABLE"
    assert "North Korea" in failed.error_message or "Korea" in failed.error_message
    assert snailmail_balance() == 10


def test_a_fixed_address_is_used_on_the_next_retry(queue_letter, give_credits, contact):
    give_credits(10)
    contact.zip = "1000AB"
    contact.save()
    letter = queue_letter()
    failed = sending.send(letter.id)
    assert failed.error_code == "MISSING_REQUIRED_FIELDS"
    assert "postal code 1000AB is not valid for Belgium" in failed.error_message
    # Unchanged address: the job leaves it alone.
    assert retries.retry_errors() == {"sent": 0, "failed": 0, "stopped_at_credit_error": False}
    contact.zip = "1000"
    contact.save()
    assert retries.retry_errors()["sent"] == 1


def test_cancel_before_printing_gives_the_credits_back(
    queue_letter, give_credits, snailmail_balance
):
    give_credits(10)
    letter = queue_letter()
    sending.send(letter.id)
    assert snailmail_balance() == Decimal("8.90")
    canceled = tracking.cancel(letter.id)
    assert canceled.state == "canceled" and canceled.charged == 0
    assert snailmail_balance() == 10
    assert chatter(letter).state == "canceled"
    with pytest.raises(tracking.CannotCancel):
        tracking.cancel(letter.id)
    assert snailmail_balance() == 10


def test_a_printing_letter_cannot_be_canceled(queue_letter, give_credits, snailmail_balance):
    give_credits(10)
    letter = queue_letter()
    sending.send(letter.id)
    tracking.advance(letter.id, "printing")
    with pytest.raises(tracking.CannotCancel, match="printing"):
        tracking.cancel(letter.id)
    assert snailmail_balance() == Decimal("8.90")


def test_states_never_move_backwards(queue_letter, give_credits):
    give_credits(10)
    letter = queue_letter()
    sending.send(letter.id)
    assert tracking.advance(letter.id, "sent")
    assert not tracking.advance(letter.id, "printing")
    assert not tracking.advance(letter.id, "accepted")
    assert Letter.get_by_id(letter.id).shop_state == "sent"
    assert tracking.advance(letter.id, "undeliverable")
    assert not tracking.advance(letter.id, "delivered")
    assert chatter(letter).state_detail == "returned to sender"


def test_a_pending_letter_is_canceled_without_any_charge(queue_letter, snailmail_balance):
    letter = queue_letter()
    assert tracking.cancel(letter.id).state == "canceled"
    assert sending.send(letter.id).state == "canceled"


def test_a_document_that_breaks_the_preparation_is_an_error_not_a_stuck_letter(
    queue_letter, give_credits, snailmail_balance, monkeypatch
):
    give_credits(5)
    letter = queue_letter()

    def broken(*args, **kwargs):
        raise RecursionError("a PDF nested too deep")

    monkeypatch.setattr(sending, "prepare_letter", broken)
    failed = sending.send(letter.id)
    assert (failed.state, failed.error_code) == ("error", "UNKNOWN_ERROR")
    assert failed.error_message == "The letter could not be prepared (RecursionError)."
    assert snailmail_balance() == 5


def _buy(amount) -> None:
    """Credits paid for, as a pack bought on the buy page leaves them."""
    from addons.iap import ledger

    ledger.grant("snailmail", amount, kind="purchase", free=False, reason="Standard Pack")


def test_trial_credits_used_up_is_a_trial_error_with_the_buy_prompt(
    app, queue_letter, snailmail_balance, admin_client
):
    from addons.iap import charge, trial_only

    app.config["IAP_EDITION"] = "demo"  # 5 free trial credits on first use
    assert not trial_only("snailmail")
    with charge("snailmail", Decimal("4.5"), description="earlier letters"):
        pass
    assert trial_only("snailmail") and snailmail_balance() == Decimal("0.5")
    letter = queue_letter()
    failed = sending.send(letter.id)
    assert (failed.state, failed.error_code) == ("error", "TRIAL_ERROR")
    assert failed.error_message == (
        "The free trial snailmail credits are used up: 1.1 needed, 0.5 left. "
        "Buy credits to keep posting letters, then retry."
    )
    assert "TRIAL_ERROR" in chatter(letter).state_detail
    page = admin_client.get(f"/snailmail/letters/{letter.id}").get_data(as_text=True)
    assert "The free trial credits are used up" in page
    assert "/iap/buy/snailmail" in page and "Buy credits" in page
    assert snailmail_balance() == Decimal("0.5")  # nothing spent
    _buy(10)
    assert not trial_only("snailmail")
    assert retries.retry_errors()["sent"] == 1
    assert Letter.get_by_id(letter.id).state == "sent"


def test_without_a_trial_an_empty_account_is_a_credit_error(queue_letter):
    from addons.iap import trial_only

    failed = sending.send(queue_letter().id)
    assert failed.error_code == "CREDIT_ERROR" and not trial_only("snailmail")


def test_a_replayed_charge_does_not_hand_the_letter_over_again(
    queue_letter, give_credits, snailmail_balance, monkeypatch
):
    from addons.iap import charge
    from addons.snailmail.providers import outbox

    give_credits(10)
    letter = queue_letter()
    # This attempt's charge was captured already (its worker got the shop's
    # answer and paid, then the same attempt runs again).
    with charge(
        "snailmail",
        Decimal("1.10"),
        idempotency_key=f"snailmail.letter:{letter.uid}:{letter.attempts + 1}",
    ):
        pass
    submitted = []
    monkeypatch.setattr(
        outbox.OutboxShop, "submit", lambda self, outgoing: submitted.append(outgoing)
    )
    after = sending.send(letter.id)
    assert submitted == []
    assert snailmail_balance() == Decimal("8.90")  # the first capture only
    assert after.charged == 0


def test_snailmail_migration_2_from_version_1(app, queue_letter):
    from host import db
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    letter = queue_letter()
    db.execute_sql(
        "ALTER TABLE snailmail_letter DROP COLUMN unknown_errors"
    )  # as version 1 left it
    AddonSchema.update(version=1).where(AddonSchema.addon == "snailmail").execute()
    restarted = rebuild(app, HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"])
    try:
        with restarted.app_context():
            assert AddonSchema.get(AddonSchema.addon == "snailmail").version == 3
            assert Letter.get_by_id(letter.id).unknown_errors == 0
    finally:
        close_app(restarted)
