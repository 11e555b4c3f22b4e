"""The mass SMS plan: numbers validated when contacts are saved, the plan
worked out in SQL, and Send SMS queuing what the rules say at that moment."""

import random
from decimal import Decimal

import peewee
import pytest

from addons.sms import batches, blacklist, numbers, planning, pricing
from addons.sms.models import SmsBatch, SmsBlacklist, SmsContactNumber, SmsMessage, SmsPrice
from host import Contact, Setting, db, notify_saved, utcnow
from tests.addons.sms.conftest import price
from tests.addons.sms.test_sms_mass import BODY, crowd, expected_cost, open_composer  # noqa: F401


@pytest.fixture
def parses(monkeypatch):
    """How many numbers ``phonenumbers`` read from now on."""
    calls = []
    parse = numbers._parse_valid
    numbers._located.cache_clear()
    monkeypatch.setattr(numbers, "_parse_valid", lambda *a: calls.append(a[0]) or parse(*a))
    yield calls
    numbers._located.cache_clear()


def outcome():
    return {
        m.recipient_name: (m.state, m.failure_type, m.charged)
        for m in SmsMessage.select().order_by(SmsMessage.id)
    }


# -- numbers validated when saved --------------------------------------------


def test_a_contact_saved_through_the_form_has_its_number_validated(user_client, sms):
    data = {"name": "Eva Peeters", "mobile": "0470 12 34 56", "country": "BE"}
    assert user_client.post("/contacts/new", data=data).status_code == 302
    contact = Contact.get(Contact.name == "Eva Peeters")
    kept = SmsContactNumber.get_by_id(contact.id)
    assert (kept.number, kept.country, kept.failure_type) == ("+32470123456", "BE", "")
    # The form keeps the number in international format.
    assert kept.number_raw == "+32 470 12 34 56" and kept.company_country == "BE"
    assert "+32 470 12 34 56 is blacklisted" in kept.blacklisted_reason

    # A contact saved otherwise (an import) may still hold a bad number.
    Contact.update(mobile="+32 47O 12").where(Contact.id == contact.id).execute()
    notify_saved("contact", [contact.id])
    kept = SmsContactNumber.get_by_id(contact.id)
    assert (kept.number, kept.failure_type) == ("", "wrong_format")
    assert "contains letters" in kept.failure_reason

    user_client.post(f"/contacts/{contact.id}/delete")
    assert not SmsContactNumber.select().where(SmsContactNumber.contact == contact.id).exists()


def test_contacts_announced_by_an_import_are_not_parsed_again_to_be_texted(
    sms, user_client, give_credits, sms_balance, parses
):
    give_credits(100)
    rows = [{"name": f"Imported {i:02d}", "mobile": f"+32 470 10 20 {i:02d}"} for i in range(12)]
    Contact.insert_many(rows).execute()
    ids = [c.id for c in Contact.select(Contact.id)]
    notify_saved("contact", ids)  # as an import through the host
    assert len(parses) == 12
    parses.clear()
    numbers._located.cache_clear()  # another process: nothing parsed in memory

    location = open_composer(user_client, list(Contact.select()))
    page = user_client.get(location).get_data(as_text=True)
    assert "Send SMS to 12 contacts" in page
    assert user_client.post(f"{location}/send", data={"body": BODY}).status_code == 303
    assert parses == []
    assert sms_balance() == 100 - 12 * price("BE")
    assert SmsMessage.select().where(SmsMessage.state == "delivered").count() == 12


def test_numbers_written_behind_the_hosts_back_are_validated_when_texted(
    crowd,  # noqa: F811
    user_client,
    give_credits,
    parses,
):
    give_credits(100)
    assert SmsContactNumber.select().count() == 0  # Contact.create tells no addon
    user_client.get(open_composer(user_client, crowd))
    raws = {(c.mobile or c.phone).strip() for c in crowd}
    assert set(parses) == raws and SmsContactNumber.select().count() == 20
    parses.clear()
    Contact.update(mobile="+32 470 00 00 88").where(Contact.name == "Typo").execute()
    user_client.get(open_composer(user_client, crowd))
    assert parses == ["+32 470 00 00 88"]  # only the stale one is read again


# -- Send SMS follows what changed since the composer --------------------------


@pytest.fixture
def composed(crowd, user_client, give_credits):  # noqa: F811
    """The composer shown once, with credits for the batch."""
    give_credits(100)
    location = open_composer(user_client, crowd)
    assert user_client.get(location).status_code == 200
    return location


def test_send_queues_what_the_composer_counted(composed, user_client, sms_balance):
    assert user_client.post(f"{composed}/send", data={"body": BODY * 4}).status_code == 303
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
    twin = SmsMessage.get(SmsMessage.recipient_name == "Twin A")
    assert twin.failure_reason == "Same number as Person 01: sent once."


@pytest.mark.parametrize(
    "change", ["price", "contact", "unlisted", "blacklisted", "company country", "deleted"]
)
def test_send_follows_what_changed_since_the_composer(composed, user_client, sms_balance, change):
    expected, delivered = expected_cost(), 16
    if change == "price":
        SmsPrice.create(country="FR", credits_per_part=price("FR") + 1)
        expected += 6
    elif change == "contact":  # edited behind the host's back: noticed all the same
        Contact.update(mobile="+32 470 00 00 77").where(Contact.name == "Typo").execute()
        expected, delivered = expected + price("BE"), 17
    elif change == "unlisted":
        blacklist.remove("+32470999999")
        expected, delivered = expected + price("BE"), 17
    elif change == "blacklisted":
        # Person 01 and Twin A (its duplicate) are both refused as blacklisted.
        blacklist.add("+32470000001", reason="Replied STOP", source="reply")
        expected, delivered = expected - price("BE"), 15
    elif change == "company country":
        # Twin B's national number is read with its own country (BE) first.
        Setting.write("company_country", "FR")
    elif change == "deleted":
        Contact.get(Contact.name == "Person 15").delete_instance()
        expected, delivered = expected - price("FR"), 15
    user_client.post(f"{composed}/send", data={"body": BODY})
    assert sms_balance() == 100 - expected
    assert SmsMessage.select().where(SmsMessage.state == "delivered").count() == delivered
    assert SmsMessage.select().count() == (19 if change == "deleted" else 20)
    if change == "blacklisted":
        assert outcome()["Person 01"] == ("failed", "blacklisted", 0)
        assert outcome()["Twin A"][1] == "blacklisted"
        assert outcome()["Twin B"][1] == "duplicate"
        # The composer and the messages say why, from the entry's source.
        refused = SmsMessage.get(SmsMessage.recipient_name == "Person 01")
        assert "is blacklisted: its owner replied STOP." in refused.failure_reason


def test_a_contact_edited_while_sending_is_planned_again(
    composed, user_client, sms_balance, monkeypatch
):
    """An edit landing between the numbers' refresh and the insert leaves the
    contact without a fresh number: Send notices and plans again."""
    refresh = planning.refresh_numbers
    calls = []

    def edited_right_after(batch, company):
        found = refresh(batch, company)
        if not calls:
            Contact.update(mobile="+32 470 00 00 66").where(Contact.name == "Typo").execute()
        calls.append(found)
        return found

    monkeypatch.setattr(planning, "refresh_numbers", edited_right_after)
    assert user_client.post(f"{composed}/send", data={"body": BODY}).status_code == 303
    assert calls == [0, 1]
    assert outcome()["Typo"][0] == "delivered"
    assert sms_balance() == 100 - expected_cost() - price("BE")


def test_too_few_credits_queue_nothing(crowd, user_client, give_credits):  # noqa: F811
    give_credits(expected_cost() - Decimal("0.1"))
    location = open_composer(user_client, crowd)
    user_client.get(location)
    response = user_client.post(f"{location}/send", data={"body": BODY})
    assert response.status_code == 402
    assert SmsMessage.select().count() == 0 and SmsBatch.get().state == "draft"


# -- the SQL plan against the rules, on random selections ------------------------


def _rules(contacts, company: str) -> dict[int, tuple[str, str, Decimal]]:
    """What the plan must say of each contact, written plainly in Python."""
    table = pricing.prices()
    listed = {row.number for row in SmsBlacklist.select()}
    first: dict[str, int] = {}
    result = {}
    for contact in contacts:
        raw = (contact.mobile or "").strip() or (contact.phone or "").strip()
        try:
            number, country = numbers.locate(raw, (contact.country, company))
        except numbers.InvalidNumber as exc:
            missing = exc.reason == numbers.MISSING
            result[contact.id] = ("number_missing" if missing else "wrong_format", "", Decimal(0))
            continue
        if country not in table:
            result[contact.id] = ("country_not_supported", number, Decimal(0))
        elif number in listed:
            result[contact.id] = ("blacklisted", number, Decimal(0))
        elif number in first:
            result[contact.id] = ("duplicate", number, Decimal(0))
        else:
            first[number] = contact.id
            result[contact.id] = ("", number, table[country])
    return result


POOL = [
    ("+32 470 11 22 33", ""),
    ("0470 11 22 33", "BE"),  # the same number, typed nationally
    ("+33 6 12 34 56 78", ""),
    ("06 12 34 56 78", "FR"),
    ("06 12 34 56 78", "BE"),  # not a Belgian number
    ("+31 6 12 34 56 78", "NL"),
    ("+850 2 381 4000", ""),  # a country without a price
    ("+32 47O", "BE"),
    ("", "BE"),
    ("+32 470 99 88 77", ""),  # blacklisted below
    ("+1 202 555 0143", "US"),
]


@pytest.mark.parametrize("seed", range(4))
def test_the_plan_follows_the_rules_on_random_selections(sms, seed):
    blacklist.add("+32470998877", reason="Replied STOP", source="reply")
    if seed == 3:  # a price an admin set for a country the shipped table lacks
        SmsPrice.create(country="KP", credits_per_part=Decimal("2.5"))
    rng = random.Random(seed)
    contacts = []
    for i in range(40):
        raw, country = rng.choice(POOL)
        field = rng.choice(["mobile", "phone"])
        contacts.append(Contact.create(name=f"C{i:02d}", country=country, **{field: raw}))
    if seed % 2:  # half the runs with the numbers validated on save
        notify_saved("contact", [c.id for c in contacts])
    rng.shuffle(contacts)
    batch = batches.draft(contacts, None)
    plan, params = planning.prepare(batch)
    rows = db.execute_sql(
        *planning.sql_named(
            f"{plan} SELECT contact_id, failure_type, number, per_part FROM plan ORDER BY seq",
            params,
        )
    ).fetchall()
    expected = _rules(contacts, "BE")
    to_credits = SmsBatch.per_part_total.python_value
    got = {
        cid: (kind, number if kind != "wrong_format" else "", to_credits(per_part))
        for cid, kind, number, per_part in rows
    }
    assert [r[0] for r in rows] == [c.id for c in contacts]  # in the order selected
    assert got == expected
    kinds = {kind for kind, _, _ in expected.values()}
    assert {"", "duplicate", "wrong_format"} <= kinds
    assert ("country_not_supported" in kinds) == (seed != 3)  # KP has a price in run 3


# -- upgrading a database -------------------------------------------------------


@pytest.mark.parametrize("version", [0, 1])
def test_an_older_sms_schema_is_upgraded_on_restart(app, sms, version):
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    # The schema of that version: no numbers table, no shipped prices table, the
    # message indexes on state; version 1 also kept the composer's plan.
    db.execute_sql("DROP TABLE sms_contact_number")
    db.execute_sql("DROP TABLE sms_default_price")
    db.execute_sql("DROP TABLE sms_inbound_reply")
    db.execute_sql('DROP INDEX "sms_message_batch_id_id"')
    db.execute_sql('DROP INDEX "sms_message_updated_at"')
    db.execute_sql('CREATE INDEX "sms_message_state" ON "sms_message" ("state")')
    db.execute_sql(
        'CREATE INDEX "sms_message_batch_id_state" ON "sms_message" ("batch_id", "state")'
    )
    db.execute_sql("ALTER TABLE sms_batch DROP COLUMN heartbeat_at")
    if version == 1:
        db.execute_sql("CREATE TABLE sms_batch_line (id INTEGER PRIMARY KEY, batch_id INTEGER)")
        db.execute_sql("ALTER TABLE sms_batch ADD COLUMN planned_at TIMESTAMP")
        db.execute_sql("ALTER TABLE sms_batch ADD COLUMN plan_key VARCHAR(64) DEFAULT '' NOT NULL")
    AddonSchema.update(version=version).where(AddonSchema.addon == "sms").execute()
    columns = ("body", "state", "contact_ids", "log_chatter", "recipients", "per_part_total")
    old_batch = peewee.Table("sms_batch", (*columns, "created_at"))
    values = ("", "draft", "[]", False, 0, 0)
    old_batch.insert(**dict(zip(columns, values, strict=True)), created_at=utcnow()).execute(db)

    restarted = rebuild(app, HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"])
    try:
        with restarted.app_context():
            assert AddonSchema.get(AddonSchema.addon == "sms").version == 3
            assert db.table_exists("sms_contact_number") and db.table_exists("sms_default_price")
            assert db.table_exists("sms_inbound_reply")
            assert not db.table_exists("sms_batch_line")
            columns = {c.name for c in db.get_columns("sms_batch")}
            assert not {"planned_at", "plan_key"} & columns
            indexes = {i.name for i in db.get_indexes("sms_message")}
            assert {"sms_message_batch_id_id", "sms_message_updated_at"} <= indexes
            assert not {"sms_message_state", "sms_message_batch_id_state"} & indexes
            [old] = SmsBatch.select()
            assert old.state == "draft" and old.contact_ids == "[]" and old.heartbeat_at is None
    finally:
        close_app(restarted)


def test_the_composer_lists_the_first_refused_lines_and_counts_them_all(sms, user_client):
    rows = [{"name": f"No number {i:03d}"} for i in range(planning.REFUSED_SHOWN + 2)]
    Contact.insert_many(rows).execute()
    Contact.create(name="Reachable", mobile="+32 470 55 44 33")
    page = user_client.get(open_composer(user_client, list(Contact.select())))
    html = page.get_data(as_text=True)
    assert f"Send SMS to {planning.REFUSED_SHOWN + 3} contacts" in html
    assert f"Not sent to ({planning.REFUSED_SHOWN + 2})" in html
    assert html.count('data-failure="number_missing"') == planning.REFUSED_SHOWN
    assert "and 2 more, listed on the results page once sent." in html
