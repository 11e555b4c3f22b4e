"""A mass SMS whose worker is killed (SIGKILL) half way is taken up again:
no SMS goes out twice, nothing is charged that was not sent, and the credits
add up. Two real ``iap-host worker`` processes and the Twilio client against
the fake Twilio on loopback."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from addons.iap import balance, ledger
from addons.iap.models import Hold
from addons.sms import recovery
from addons.sms.models import LOST_SINGLE, SmsBatch, SmsMessage
from host import Contact, utcnow
from tests.addons.sms.test_sms_mass import BODY, open_composer

CHUNK = 4
PEOPLE = 24


@pytest.fixture
def host_config(host_config):
    host_config.update(HOST_JOBS_IMMEDIATE=False, SMS_BATCH_CHUNK=CHUNK)
    return host_config


def start_worker(app, tmp_path, name: str) -> subprocess.Popen:
    config = tmp_path / f"{name}.cfg"
    config.write_text(
        f"HOST_JOBS_PATH = {app.config['HOST_JOBS_PATH']!r}\n"
        f"SECRET_KEY = {app.config['SECRET_KEY']!r}\n"
        f"HOST_BUILTIN_ADDONS = {tuple(app.config['HOST_BUILTIN_ADDONS'])!r}\n"
        f"HOST_BASE_URL = {app.config['HOST_BASE_URL']!r}\n"
        "IAP_EDITION = 'community'\n"
        f"SMS_BATCH_CHUNK = {CHUNK}\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "HOST_JOBS_IMMEDIATE": "false",
        "HOST_INSTANCE_PATH": str(tmp_path / name),
        "HOST_LOAD_ENTRY_POINTS": "false",
        "HOST_CONFIG": str(config),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "host.cli", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_mass_sms_survives_its_worker_being_killed(
    app, sms, twilio_gateway, user_client, give_credits, tmp_path
):
    people = [
        Contact.create(name=f"Person {i:02d}", mobile=f"+32 470 12 00 {i:02d}", country="BE")
        for i in range(PEOPLE)
    ]
    give_credits(100)
    start = balance("sms")
    twilio_gateway.delay = 0.05  # each message is one HTTP call of 50 ms or more
    location = open_composer(user_client, people)
    assert user_client.post(f"{location}/send", data={"body": BODY}).status_code == 303
    batch = SmsBatch.get()
    assert batch.state == "queued"

    first = start_worker(app, tmp_path, "first")
    try:
        wait_for(lambda: len(twilio_gateway.messages) >= 9, "the first worker to send")
    finally:
        os.kill(first.pid, signal.SIGKILL)  # mid-chunk, no clean-up of any kind
        first.wait(timeout=20)
    assert SmsBatch.get_by_id(batch.id).state == "sending"
    states = Counter(m.state for m in SmsMessage.select())
    assert states["in_queue"] > 0, states  # the kill came before the end
    # Nothing charged that is not recorded sent, whatever the moment of the kill.
    charged = SmsMessage.select().where(SmsMessage.charged > 0)
    assert all(m.state in ("sent", "delivered") for m in charged)

    # Time passes: the dead job's heartbeat and the hold of its last chunk are
    # older than IAP_HOLD_TTL.
    long_ago = utcnow() - dt.timedelta(hours=1)
    SmsBatch.update(heartbeat_at=long_ago).execute()
    Hold.update(expires_at=long_ago).where(Hold.state == "held").execute()
    assert recovery.resume_batches() == [batch.id]
    assert recovery.resume_batches() == []  # taken up once

    second = start_worker(app, tmp_path, "second")
    try:
        wait_for(lambda: SmsBatch.get_by_id(batch.id).state == "done", "the batch to finish")
    finally:
        second.terminate()
        second.wait(timeout=20)

    received = Counter(m["To"] for m in twilio_gateway.messages)
    assert max(received.values()) == 1, received  # no SMS went out twice
    messages = list(SmsMessage.select())
    assert len(messages) == PEOPLE
    stopped = [m for m in messages if m.failure_reason == recovery.STOPPED]
    sent = [m for m in messages if m.state == "sent"]
    # Every message either went out once and was charged, or was the dead
    # chunk's, failed with a reason that says it may have gone out, uncharged.
    assert len(sent) + len(stopped) == PEOPLE
    assert all(m.charged == m.credits and m.number in received for m in sent)
    assert all(m.state == "failed" and m.charged == 0 for m in stopped)
    assert len(stopped) <= CHUNK
    assert len(received) == len(sent) + sum(m.number in received for m in stopped)
    # Twilio reports on the dead chunk's messages it did get: they were delivered
    # after all (uncharged: their hold expired), so they say so now.
    reached = {m["To"]: m for m in twilio_gateway.messages}
    for message in stopped:
        if message.number in reached:
            sent_there = reached[message.number]
            assert report(user_client, twilio_gateway, sent_there, message, "delivered")
            settled = SmsMessage.get_by_id(message.id)
            assert (settled.state, settled.failure_reason, settled.charged) == ("delivered", "", 0)
    ledger.expire_holds()
    assert balance("sms") == start - sum(m.charged for m in SmsMessage.select())
    assert ledger.verify() == []


def report(client, fake, sent: dict, message, status: str) -> bool:
    """Post Twilio's signed status callback for ``sent`` (as the fake recorded it)."""
    url = sent["StatusCallback"]
    params, signature = fake.status_callback(sent["sid"], status, url)
    path = url.removeprefix("http://localhost")
    response = client.post(path, data=params, headers={"X-Twilio-Signature": signature}, csrf=False)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["status"] == "updated"


def test_only_batches_without_a_live_job_are_taken_up(app, sms, user_client, give_credits):
    give_credits(100)
    people = [Contact.create(name=f"P{i}", mobile=f"+32 470 12 01 {i:02d}") for i in range(3)]
    queue = app.extensions["host_jobs"].huey
    batches = []
    for _ in range(4):
        location = open_composer(user_client, people)
        user_client.post(f"{location}/send", data={"body": BODY})
        batches.append(SmsBatch.select().order_by(SmsBatch.id.desc()).get())
    waiting, beating, lost, canceled = batches
    long_ago, just_now = utcnow() - dt.timedelta(hours=1), utcnow()
    # Queued an hour ago and never started: its job was lost before it ran.
    SmsBatch.update(started_at=long_ago).where(SmsBatch.id == waiting.id).execute()
    SmsBatch.update(state="sending", heartbeat_at=just_now).where(
        SmsBatch.id == beating.id
    ).execute()
    SmsBatch.update(state="sending", heartbeat_at=long_ago).where(SmsBatch.id == lost.id).execute()
    SmsBatch.update(state="canceled", started_at=long_ago).where(
        SmsBatch.id == canceled.id
    ).execute()
    pending = queue.pending_count()
    assert sorted(recovery.resume_batches()) == [waiting.id, lost.id]
    assert queue.pending_count() == pending + 2
    states = {b.id: b.state for b in SmsBatch.select()}
    assert [states[b.id] for b in batches] == ["queued", "sending", "queued", "canceled"]
    # Taken up again only after another IAP_HOLD_TTL without a job starting.
    assert recovery.resume_batches() == []


class ProcessKilled(BaseException):
    """Stands for the process dying: nothing in the send path catches it."""


def test_a_single_sms_whose_process_died_is_failed_and_not_charged(
    app, sms, user_client, give_credits, monkeypatch
):
    from addons.sms import outbox_gateway
    from host import db
    from host.models import Message
    from tests.addons.sms.test_sms_compose import send

    give_credits(10)
    contact = Contact.create(name="Eva", mobile="+32 470 12 34 56", country="BE")
    monkeypatch.setattr(outbox_gateway.OutboxGateway, "send", lambda self, message: _die())
    with pytest.raises(ProcessKilled):
        send(user_client, contact, "Hello")
    monkeypatch.undo()
    [lost] = SmsMessage.select()
    assert lost.state == "processing"
    assert recovery.fail_lost_singles() == 0  # not lost yet: its hold may still be captured
    # A mass SMS message in processing belongs to its batch's job, not to this sweep.
    other = SmsMessage.create(
        batch=batches_for_test(), body="x", state="processing", updated_at=utcnow()
    )
    long_ago = utcnow() - dt.timedelta(hours=1)
    SmsMessage.update(updated_at=long_ago).execute()
    assert recovery.fail_lost_singles() == 1
    lost = SmsMessage.get_by_id(lost.id)
    assert (lost.state, lost.failure_type, lost.charged) == ("failed", "server_error", 0)
    assert lost.failure_reason == recovery.STOPPED
    assert Message.get_by_id(lost.chatter_message_id).state == "failed"
    assert SmsMessage.get_by_id(other.id).state == "processing"
    if not app.config["DATABASE_URL"].startswith("postgres"):
        query = SmsMessage.select(SmsMessage.id).where(
            LOST_SINGLE & (SmsMessage.updated_at < utcnow())
        )
        plan = db.execute_sql("EXPLAIN QUERY PLAN " + query.sql()[0], query.sql()[1]).fetchall()
        assert "sms_message_updated_at" in str(plan)  # the partial index, not the table


def _die():
    raise ProcessKilled()


def batches_for_test() -> SmsBatch:
    return SmsBatch.create(state="sending", contact_ids="[]")


def test_resend_failed_leaves_out_messages_that_may_have_arrived(
    sms, user, user_client, give_credits
):
    give_credits(10)
    batch = SmsBatch.create(state="done", contact_ids="[]", body="Hello", author=user)
    common = {
        "batch": batch,
        "body": "Hello",
        "parts": 1,
        "credits": 1,
        "state": "failed",
        "failure_type": "server_error",
        "country": "BE",
    }
    plain = SmsMessage.create(number="+32470000001", failure_reason="Gateway down.", **common)
    unknown = SmsMessage.create(number="+32470000002", failure_reason=recovery.STOPPED, **common)
    response = user_client.post(f"/sms/batches/{batch.id}/retry", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 message queued again." in page
    assert "1 message whose sender stopped" in page
    assert SmsMessage.get_by_id(plain.id).state in ("in_queue", "processing", "sent")
    assert SmsMessage.get_by_id(unknown.id).state == "failed"  # a person resends it, or not


@pytest.mark.parametrize(
    "status, state, failure",
    [
        ("delivered", "delivered", ""),
        ("sent", "sent", ""),
        ("queued", "sent", ""),
        ("undelivered", "failed", "not_delivered"),
    ],
)
def test_a_report_settles_a_message_whose_outcome_was_unknown(
    sms, twilio_gateway, user_client, give_credits, status, state, failure
):
    from tests.addons.sms.test_sms_compose import send

    give_credits(10)
    contact = Contact.create(name="Eva", mobile="+32 470 12 34 56", country="BE")
    send(user_client, contact, "Hello")
    [message] = SmsMessage.select()
    [sent] = twilio_gateway.messages
    # As if its sender had died before recording Twilio's answer.
    SmsMessage.update(
        state="failed",
        failure_type="server_error",
        failure_reason=recovery.STOPPED,
        provider_id=None,
        charged=0,
    ).execute()
    assert report(user_client, twilio_gateway, sent, message, status)
    settled = SmsMessage.get_by_id(message.id)
    assert (settled.state, settled.failure_type, settled.provider_id) == (
        state,
        failure,
        sent["sid"],
    )
    assert settled.failure_reason != recovery.STOPPED and settled.charged == 0
    assert not report(user_client, twilio_gateway, sent, message, status)  # once
