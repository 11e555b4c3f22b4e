"""Send SMS queues a mass SMS from the plan the composer kept (``sms_batch_line``),
re-checking what can have changed since, or plans again when the plan is stale."""

import datetime as dt
from decimal import Decimal

import peewee
import pytest

from addons.sms import batches, blacklist
from addons.sms.models import SmsBatch, SmsBatchLine, SmsMessage, SmsPrice
from host import Contact, db, utcnow
from tests.addons.sms.conftest import price
from tests.addons.sms.test_sms_mass import BODY, crowd, expected_cost, open_composer  # noqa: F401


@pytest.fixture
def composed(crowd, user_client, give_credits):  # noqa: F811
    """The composer shown once (its plan kept), with credits for the batch."""
    give_credits(100)
    location = open_composer(user_client, crowd)
    assert user_client.get(location).status_code == 200
    return location


@pytest.fixture
def planned_again(monkeypatch):
    """How many times Send SMS planned the contacts again."""
    calls = []
    plan = batches.plan
    monkeypatch.setattr(batches, "plan", lambda *a, **k: calls.append(1) or plan(*a, **k))
    return calls


def outcome():
    return {
        m.recipient_name: (m.state, m.failure_type, m.charged)
        for m in SmsMessage.select().order_by(SmsMessage.id)
    }


def test_the_composer_keeps_its_plan(composed):
    batch = SmsBatch.get()
    lines = list(SmsBatchLine.select().where(SmsBatchLine.batch == batch.id))
    assert len(lines) == 20 and batch.planned_at is not None and batch.recipients == 16
    kinds = sorted(line.failure_type or "valid" for line in lines)
    assert kinds.count("valid") == 16 and kinds.count("duplicate") == 2


def test_send_uses_the_kept_plan_and_sends_what_the_composer_counted(
    composed, user_client, sms_balance, planned_again
):
    assert user_client.post(f"{composed}/send", data={"body": BODY * 4}).status_code == 303
    assert planned_again == []
    sent = outcome()
    assert sum(1 for v in sent.values() if v[0] == "delivered") == 16
    assert {k: v[1] for k, v in sent.items() if v[0] == "failed"} == {
        "Twin A": "duplicate",
        "Twin B": "duplicate",
        "Opted Out": "blacklisted",
        "Typo": "wrong_format",
    }
    assert all(charged == 0 for state, _, charged in sent.values() if state == "failed")
    # One message per contact, in the order selected.
    contacts = [m.contact_id for m in SmsMessage.select().order_by(SmsMessage.id)]
    assert contacts == SmsBatch.get().contact_id_list
    message = SmsMessage.get(SmsMessage.number == "+32470000000")
    assert (message.parts, message.credits) == (2, price("BE") * 2)
    assert sms_balance() == 100 - expected_cost(parts=2)
    assert SmsBatchLine.select().count() == 0  # the plan is dropped once queued


def test_a_number_blacklisted_after_the_composer_is_not_sent_nor_charged(
    composed, user_client, sms_balance, planned_again
):
    blacklist.add("+32470000001", reason="Replied STOP", source="reply")
    user_client.post(f"{composed}/send", data={"body": BODY})
    assert planned_again == []
    # Person 01 and Twin A (its duplicate) are both refused as blacklisted.
    assert outcome()["Person 01"] == ("failed", "blacklisted", 0)
    assert outcome()["Twin A"][1] == "blacklisted"
    assert outcome()["Twin B"][1] == "duplicate"
    assert sms_balance() == 100 - expected_cost() + price("BE")


@pytest.mark.parametrize("change", ["price", "old", "contact", "unlisted", "country"])
def test_a_stale_plan_is_planned_again(composed, user_client, sms_balance, planned_again, change):
    from host import Setting

    expected = expected_cost()
    if change == "price":
        SmsPrice.create(country="FR", credits_per_part=price("FR") + 1)
        expected += 6
    elif change == "old":
        SmsBatch.update(planned_at=utcnow() - dt.timedelta(minutes=11)).execute()
    elif change == "contact":
        Contact.update(mobile="+32 470 00 00 77").where(Contact.name == "Typo").execute()
        expected += price("BE")
    elif change == "unlisted":
        blacklist.remove("+32470999999")
        expected += price("BE")
    elif change == "country":
        Setting.write("company_country", "FR")
    user_client.post(f"{composed}/send", data={"body": BODY})
    assert planned_again == [1]
    assert sms_balance() == 100 - expected
    delivered = SmsMessage.select().where(SmsMessage.state == "delivered").count()
    assert delivered == (17 if change in ("contact", "unlisted") else 16)


def test_too_few_credits_for_the_kept_plan(crowd, user_client, give_credits):  # noqa: F811
    give_credits(expected_cost() - Decimal("0.1"))
    location = open_composer(user_client, crowd)
    user_client.get(location)
    response = user_client.post(f"{location}/send", data={"body": BODY})
    assert response.status_code == 402
    assert SmsMessage.select().count() == 0 and SmsBatch.get().state == "draft"


def test_sms_installed_before_the_kept_plans_gets_the_table_on_restart(app, sms):
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    # The schema of version 0 of the addon: no sms_batch_line, no plan columns.
    db.execute_sql("DROP TABLE sms_batch_line")
    db.execute_sql("ALTER TABLE sms_batch DROP COLUMN planned_at")
    db.execute_sql("ALTER TABLE sms_batch DROP COLUMN plan_key")
    AddonSchema.update(version=0).where(AddonSchema.addon == "sms").execute()
    columns = ("body", "state", "contact_ids", "log_chatter", "recipients", "per_part_total")
    old_batch = peewee.Table("sms_batch", (*columns, "created_at"))
    values = ("", "draft", "[]", False, 0, 0)
    old_batch.insert(**dict(zip(columns, values, strict=True)), created_at=utcnow()).execute(db)

    restarted = rebuild(app, HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"])
    try:
        with restarted.app_context():
            assert AddonSchema.get(AddonSchema.addon == "sms").version == 1
            assert db.table_exists("sms_batch_line")
            columns = {c.name for c in db.get_columns("sms_batch")}
            assert {"planned_at", "plan_key"} <= columns
            [old] = SmsBatch.select()
            assert old.planned_at is None and old.plan_key == ""
    finally:
        close_app(restarted)
