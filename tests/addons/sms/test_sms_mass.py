"""Mass SMS: the selection, the composer's counts, one up-front check, the job and results."""

import re
from decimal import Decimal

import pytest

from addons.iap.models import Hold
from addons.sms import blacklist, jobs
from addons.sms.models import SmsBatch, SmsMessage
from host import Contact
from host.models import Message
from tests.addons.sms.conftest import price

BODY = "Spring sale: -20% on everything until Sunday!"


@pytest.fixture
def crowd(sms):
    """20 contacts: 16 Belgian and French mobiles, 2 duplicates, 1 blacklisted, 1 invalid."""
    people = []
    for i in range(16):
        country = "BE" if i < 10 else "FR"
        mobile = f"+32 470 00 00 {i:02d}" if country == "BE" else f"+33 6 12 34 56 {i:02d}"
        people.append(Contact.create(name=f"Person {i:02d}", mobile=mobile, country=country))
    people.append(Contact.create(name="Twin A", phone="+32 470 00 00 01", country="BE"))
    people.append(Contact.create(name="Twin B", mobile="0470 00 00 02", country="BE"))
    people.append(Contact.create(name="Opted Out", mobile="+32 470 99 99 99", country="BE"))
    people.append(Contact.create(name="Typo", mobile="+32 47O", country="BE"))
    blacklist.add("+32470999999", reason="Replied STOP", source="reply")
    return people


def expected_cost(parts=1):
    return (10 * price("BE") + 6 * price("FR")) * parts


def open_composer(client, contacts=None, **extra):
    data = {"ids": [c.id for c in contacts]} if contacts is not None else {}
    data.update(extra)
    response = client.post("/sms/mass", data=data)
    assert response.status_code == 303
    return response.headers["Location"]


def kpi(page, name):
    match = re.search(rf'data-kpi="{name}"><div class="value">([^<]+)</div>', page)
    return match.group(1)


def test_bulk_action_on_the_contacts_list(crowd, user_client):
    page = user_client.get("/contacts").get_data(as_text=True)
    assert re.search(r'formaction="/sms/mass"[^>]*>📱 Send SMS</button>', page)


def test_composer_counts_valid_invalid_duplicates_and_blacklisted(crowd, user_client, give_credits):
    give_credits(100)
    page = user_client.get(open_composer(user_client, crowd)).get_data(as_text=True)
    assert "Send SMS to 20 contacts" in page
    assert kpi(page, "valid") == "16"
    assert kpi(page, "invalid") == "1"
    assert kpi(page, "duplicate") == "2"
    assert kpi(page, "blacklisted") == "1"
    refused = page[page.index('id="refused"') :]
    assert "Twin A" in refused and "Twin B" in refused and "Opted Out" in refused
    assert "contains letters" in refused and "Same number as Person 01" in refused
    assert "data-sms-counter" in page and "16</span> recipients" in page

    batch = SmsBatch.get()
    info = user_client.post("/sms/preview", data={"body": BODY, "batch_id": batch.id}).get_json()
    assert (info["recipients"], info["parts"]) == (16, 1)
    assert Decimal(info["credits"]) == expected_cost()


def test_all_matching_a_search(crowd, user_client):
    location = open_composer(user_client, **{"all": "1", "q": "Twin"})
    page = user_client.get(location).get_data(as_text=True)
    assert "Send SMS to 2 contacts" in page and kpi(page, "valid") == "2"


def test_nothing_selected(crowd, user_client):
    response = user_client.post("/sms/mass", data={})
    assert response.status_code == 302 and response.headers["Location"] == "/contacts"


def test_mass_sms_sends_once_per_number_and_charges_once(
    crowd, admin_client, give_credits, sms_balance
):
    give_credits(100)
    location = open_composer(admin_client, crowd)
    response = admin_client.post(
        f"{location}/send",
        data={"body": BODY * 4, "log_chatter": "on"},  # 2 parts
    )
    assert response.status_code == 303

    batch = SmsBatch.get()
    assert batch.state == "done"
    sent = SmsMessage.select().where(SmsMessage.state == "delivered")
    assert sent.count() == 16
    assert len({m.number for m in sent}) == 16
    failures = {
        m.recipient_name: m.failure_type
        for m in SmsMessage.select().where(SmsMessage.state == "failed")
    }
    assert failures == {
        "Twin A": "duplicate",
        "Twin B": "duplicate",
        "Opted Out": "blacklisted",
        "Typo": "wrong_format",
    }
    assert sms_balance() == 100 - expected_cost(parts=2)
    [hold] = Hold.select().where(Hold.reference == f"sms.batch:{batch.id}")
    assert hold.captured == expected_cost(parts=2)

    # The box was ticked: one note per contact, in the state of its message.
    notes = Message.select().where(Message.kind == "sms")
    assert notes.count() == 20
    assert sorted(n.res_id for n in notes) == sorted(c.id for c in crowd)
    state_of = {m.chatter_message_id: m.state for m in SmsMessage.select()}
    assert {n.id: n.state for n in notes} == state_of
    assert {n.state for n in notes} == {"delivered", "failed"}

    page = admin_client.get(location).get_data(as_text=True)
    assert "data-poll" not in page  # done: nothing left to follow
    assert kpi(page, "total") == "20" and kpi(page, "sent") == "16"
    assert kpi(page, "failed") == "1" and kpi(page, "skipped") == "3"
    assert 'aria-valuenow="100"' in page
    results = page[page.index('id="batch-results"') :]
    assert results.count("<tr data-message=") == 20
    assert "Duplicate" in results and "Blacklisted" in results


def test_chatter_log_is_optional_and_off_by_default(crowd, user_client, give_credits):
    give_credits(100)
    location = open_composer(user_client, crowd)
    page = user_client.get(location).get_data(as_text=True)
    box = re.search(r'<input type="checkbox" name="log_chatter"[^>]*>', page).group(0)
    assert "checked" not in box
    assert "Log the message in each contact's chatter" in page

    assert user_client.post(f"{location}/send", data={"body": BODY}).status_code == 303
    batch = SmsBatch.get()
    assert batch.state == "done" and not batch.log_chatter
    assert SmsMessage.select().where(SmsMessage.state == "delivered").count() == 16
    # No note in any chatter: the batch's results page is the record.
    assert Message.select().where(Message.kind == "sms").count() == 0
    assert SmsMessage.select().where(SmsMessage.chatter_message_id.is_null(False)).count() == 0
    results = user_client.get(location).get_data(as_text=True)
    assert results[results.index('id="batch-results"') :].count("<tr data-message=") == 20


def test_outbox_refusing_one_of_a_group_charges_the_others(
    crowd, user_client, give_credits, sms_balance, monkeypatch
):
    from addons.sms import outbox_gateway

    send = outbox_gateway.OutboxGateway.send

    def picky(self, message):
        if message.to == "+33612345612":
            raise outbox_gateway.GatewayError("Unknown subscriber.", failure_type="wrong_format")
        return send(self, message)

    monkeypatch.setattr(outbox_gateway.OutboxGateway, "send", picky)
    give_credits(100)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY, "log_chatter": "on"})
    refused = SmsMessage.get(SmsMessage.number == "+33612345612")
    assert (refused.state, refused.failure_type, refused.charged) == ("failed", "wrong_format", 0)
    assert Message.get_by_id(refused.chatter_message_id).state == "failed"
    assert SmsMessage.select().where(SmsMessage.state == "delivered").count() == 15
    assert sms_balance() == 100 - expected_cost() + price("FR")


def test_without_credits_for_all_of_it_nothing_is_sent(
    crowd, user_client, give_credits, sms_balance
):
    give_credits(expected_cost() - Decimal("0.1"))  # enough for 15 of the 16
    location = open_composer(user_client, crowd)
    response = user_client.post(f"{location}/send", data={"body": BODY})
    assert response.status_code == 402
    page = response.get_data(as_text=True)
    assert "data-insufficient-credit" in page and "Buy credits" in page
    assert SmsMessage.select().count() == 0 and Hold.select().count() == 0
    assert SmsBatch.get().state == "draft"
    assert sms_balance() == expected_cost() - Decimal("0.1")


def test_job_checks_the_whole_batch_before_sending(
    crowd, app, user_client, give_credits, monkeypatch
):
    """Credits spent between the click and the job: the job sends nothing at all,
    not even the first chunks that the balance would cover."""
    from addons.iap import charge

    app.config["SMS_BATCH_CHUNK"] = 5
    give_credits(expected_cost())
    monkeypatch.setattr(jobs.send_batch, "delay", lambda batch_id: None)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    with charge("sms", 1, description="someone else"):
        pass
    jobs.send_batch(SmsBatch.get().id)
    queued = SmsMessage.select().where(SmsMessage.failure_type == "insufficient_credit")
    assert queued.count() == 16
    assert SmsMessage.select().where(SmsMessage.state == "delivered").count() == 0
    assert Hold.select().where(Hold.reference.startswith("sms.batch")).count() == 0

    page = user_client.get(location).get_data(as_text=True)
    assert "Resend 16 failed" in page
    monkeypatch.undo()
    assert user_client.post(f"{location}/retry").status_code == 303
    assert "Nothing was resent" in user_client.get(location).get_data(as_text=True)
    give_credits(1)
    user_client.post(f"{location}/retry")
    assert SmsMessage.select().where(SmsMessage.state == "delivered").count() == 16
    assert SmsBatch.get().state == "done"


def test_progress_is_polled_until_the_job_is_done(crowd, user_client, give_credits, monkeypatch):
    give_credits(100)
    monkeypatch.setattr(jobs.send_batch, "delay", lambda batch_id: None)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    batch = SmsBatch.get()
    assert batch.state == "queued"

    page = user_client.get(location).get_data(as_text=True)
    assert f'data-poll="/sms/batches/{batch.id}/status"' in page
    assert 'aria-valuenow="20"' in page  # the 4 refused ones are handled already
    status = user_client.get(f"/sms/batches/{batch.id}/status").get_data(as_text=True)
    assert status.lstrip().startswith('<section id="batch-status"') and "data-poll" in status

    jobs.send_batch(batch.id)
    status = user_client.get(f"/sms/batches/{batch.id}/status").get_data(as_text=True)
    assert "data-poll" not in status and 'aria-valuenow="100"' in status


def test_big_batches_are_charged_in_chunks(crowd, app, user_client, give_credits, sms_balance):
    app.config["SMS_BATCH_CHUNK"] = 5
    give_credits(100)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    holds = list(Hold.select().where(Hold.reference == f"sms.batch:{SmsBatch.get().id}"))
    assert len(holds) == 4 and {h.state for h in holds} == {"captured"}
    assert sum(h.captured for h in holds) == expected_cost()
    assert sms_balance() == 100 - expected_cost()


def test_twilio_refusing_one_number_charges_the_others(
    crowd, twilio_gateway, user_client, give_credits, sms_balance
):
    give_credits(100)
    twilio_gateway.reject_number("+33612345612", 21211)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    assert len(twilio_gateway.messages) == 15
    refused = SmsMessage.get(SmsMessage.number == "+33612345612")
    assert (refused.state, refused.failure_type, refused.charged) == ("failed", "wrong_format", 0)
    assert SmsMessage.select().where(SmsMessage.state == "sent").count() == 15
    assert sms_balance() == 100 - expected_cost() + price("FR")


def test_stop_during_a_batch_is_honoured(crowd, user_client, give_credits, monkeypatch):
    give_credits(100)
    monkeypatch.setattr(jobs.send_batch, "delay", lambda batch_id: None)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    blacklist.add("+32470000005", reason="Replied STOP")
    jobs.send_batch(SmsBatch.get().id)
    late = SmsMessage.get(SmsMessage.number == "+32470000005")
    assert (late.state, late.failure_type, late.charged) == ("failed", "blacklisted", 0)


def test_cancel_stops_what_is_not_sent(crowd, user_client, give_credits, monkeypatch, sms_balance):
    give_credits(100)
    monkeypatch.setattr(jobs.send_batch, "delay", lambda batch_id: None)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    assert user_client.post(f"{location}/cancel").status_code == 303
    jobs.send_batch(SmsBatch.get().id)
    assert SmsBatch.get().state == "canceled"
    assert SmsMessage.select().where(SmsMessage.state == "canceled").count() == 16
    assert sms_balance() == 100


def test_sending_a_batch_twice_sends_once(crowd, user_client, give_credits):
    give_credits(100)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    response = user_client.post(f"{location}/send", data={"body": BODY})
    assert response.status_code == 302
    assert SmsMessage.select().count() == 20


def test_empty_message_is_refused(crowd, user_client, give_credits):
    give_credits(100)
    location = open_composer(user_client, crowd)
    response = user_client.post(f"{location}/send", data={"body": "  "})
    assert response.status_code == 422 and "The message is empty." in response.get_data(
        as_text=True
    )
    assert SmsMessage.select().count() == 0


def test_outbox_refusing_one_message_of_a_group_charges_the_others(
    crowd, user_client, give_credits, sms_balance, monkeypatch
):
    from addons.sms import outbox_gateway

    give_credits(100)
    send = outbox_gateway.OutboxGateway.send

    def refuse_one(self, message):
        if message.to == "+33612345612":
            raise outbox_gateway.GatewayError("Refused by the carrier", failure_type="wrong_format")
        return send(self, message)

    monkeypatch.setattr(outbox_gateway.OutboxGateway, "send", refuse_one)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    refused = SmsMessage.get(SmsMessage.number == "+33612345612")
    assert (refused.state, refused.failure_type, refused.charged) == ("failed", "wrong_format", 0)
    others = SmsMessage.select().where(SmsMessage.state.in_(["sent", "delivered"]))
    assert others.count() == 15 and all(m.charged == m.credits for m in others)
    assert sms_balance() == 100 - expected_cost() + price("FR")


def test_groups_are_bounded_by_time():
    from addons.sms import batch_job

    one_by_one = batch_job._Pace(grouped=False, most=500)
    for _ in range(10):
        one_by_one.took(one_by_one.size, 0.001)
    assert one_by_one.size == batch_job.GROUP_MAX  # Twilio: still one call per message
    one_by_one.took(one_by_one.size, batch_job.GROUP_SECONDS)
    assert one_by_one.size == 1

    grouped = batch_job._Pace(grouped=True, most=500)
    sizes = []
    for _ in range(4):
        grouped.took(grouped.size, grouped.size * 0.00001)  # 10 µs a message
        sizes.append(grouped.size)
    assert sizes == [16, 256, 500, 500]  # grows at most 16× a step, up to the chunk
    grouped.took(500, 2 * batch_job.GROUP_SECONDS)  # a slow group: 1/4 of it next
    assert grouped.size == 125


def fail_the_charged_mark(monkeypatch, after: int = 0):
    """Make the sent-and-charged mark run in the capture fail, after ``after`` chunks."""
    from addons.sms import sending

    real = sending.record_sent
    calls = []

    def record_sent(accepted, gateway_key, *, charged=True):
        if charged:
            calls.append(len(accepted))
            if len(calls) > after:
                raise RuntimeError("bookkeeping failed")
        real(accepted, gateway_key, charged=charged)

    monkeypatch.setattr(sending, "record_sent", record_sent)
    return calls


def test_the_charged_marks_and_the_capture_commit_together(
    crowd, app, user_client, give_credits, sms_balance, monkeypatch
):
    """If marking a chunk sent and charged fails, its capture fails too: no credit
    spent, no message marked charged. The messages the gateway took are recorded
    sent, charged nothing (they went out: a Resend must not send them twice), the
    others are failed with a server error, which Resend queues again."""
    app.config["SMS_BATCH_CHUNK"] = 5
    give_credits(100)
    monkeypatch.setattr(jobs.send_batch, "delay", lambda batch_id: None)
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    batch = SmsBatch.get()
    calls = fail_the_charged_mark(monkeypatch, after=1)
    jobs.send_batch(batch.id)

    assert calls == [5, 5]
    holds = list(Hold.select().where(Hold.reference == f"sms.batch:{batch.id}").order_by(Hold.id))
    assert [h.state for h in holds] == ["captured", "released"]
    first = list(SmsMessage.select().where(SmsMessage.charged > 0))
    assert len(first) == 5 and all(m.charged == m.credits for m in first)
    assert sms_balance() == 100 - sum(m.credits for m in first)
    free = list(SmsMessage.select().where(SmsMessage.state.in_(["sent", "delivered"])))
    free = [m for m in free if m.charged == 0]
    assert len(free) == 5 and all(m.provider_id and m.gateway == "outbox" for m in free)
    retryable = SmsMessage.select().where(SmsMessage.failure_type == "server_error")
    assert retryable.count() == 6 and {m.charged for m in retryable} == {0}
    assert SmsMessage.select().where(SmsMessage.state.in_(["in_queue", "processing"])).count() == 0
    assert SmsBatch.get().state == "done"

    monkeypatch.undo()
    monkeypatch.setattr(jobs.send_batch, "delay", lambda batch_id: None)
    assert user_client.post(f"{location}/retry").status_code == 303
    jobs.send_batch(batch.id)
    resent = list(SmsMessage.select().where(SmsMessage.id.in_([m.id for m in retryable])))
    assert {m.state for m in resent} == {"delivered"}
    assert all(m.charged == m.credits for m in resent)
    charged = sum((m.charged for m in SmsMessage.select()), Decimal(0))
    assert sms_balance() == 100 - charged == 100 - expected_cost() + sum(m.credits for m in free)


def test_a_report_that_came_first_keeps_its_state_and_the_charge_is_recorded(
    crowd, user_client, give_credits, monkeypatch
):
    from addons.sms import sending

    give_credits(100)
    real = sending.record_sent
    reported = []

    def report_first(accepted, gateway_key, *, charged=True):
        message, _ = accepted[0]
        sending.advance(message.id, "delivered")  # its report overtook the answer
        reported.append(message.id)
        real(accepted, gateway_key, charged=charged)

    monkeypatch.setattr(sending, "record_sent", report_first)
    monkeypatch.setattr(sending, "after_accepted", lambda gateway, ids: None)  # no outbox report
    location = open_composer(user_client, crowd)
    user_client.post(f"{location}/send", data={"body": BODY})
    valid = list(SmsMessage.select().where(SmsMessage.state != "failed"))
    assert len(valid) == 16 and len(reported) == 1
    assert {m.id: m.state for m in valid if m.state == "delivered"} == {reported[0]: "delivered"}
    assert sum(m.state == "sent" for m in valid) == 15
    assert all(m.charged == m.credits and m.provider_id for m in valid)
