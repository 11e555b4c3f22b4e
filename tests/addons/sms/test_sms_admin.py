"""The addon's wiring (manifest, hooks, service) and the administrators' pages."""

import inspect
import re
from decimal import Decimal

import pytest

from addons.sms import blacklist, config, hookspecs, plugin, pricing
from addons.sms.models import SmsBlacklist, SmsPrice
from host import Setting
from tests.addons.sms.fake_twilio import AUTH_TOKEN

ADMIN_PAGES = ["/sms/", "/sms/outbox", "/sms/batches", "/sms/blacklist", "/sms/prices"]


# -- wiring ----------------------------------------------------------------------


def test_manifest_and_service(sms):
    from addons.iap.services import get_service

    assert (plugin.manifest.name, plugin.manifest.title) == ("sms", "SMS")
    assert plugin.manifest.depends == ("iap",)
    service = get_service("sms")
    assert [(p.name, p.credits) for p in service.packs] == [
        ("Starter Pack", 10),
        ("Standard Pack", 100),
        ("Advanced Pack", 500),
        ("Expert Pack", 1000),
    ]


def test_tables_are_prefixed(sms):
    assert all(model._meta.table_name.startswith("sms_") for model in plugin.register_models())


def test_published_hooks_are_documented():
    for name, spec in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("sms_"):
            assert spec.__doc__ and len(spec.__doc__.split()) > 20, name


def test_gateways_come_from_the_hook(sms):
    from addons.sms import gateways

    assert list(gateways.available()) == ["outbox", "twilio"]
    assert gateways.active().key == "outbox"


def test_config_defaults(app):
    assert app.config["SMS_GATEWAY"] == "outbox"
    assert app.config["SMS_BATCH_CHUNK"] == 500


def test_menu_is_for_sms_managers(sms, admin_client, user_client):
    assert 'data-menu="sms"' in admin_client.get("/").get_data(as_text=True)
    assert 'data-menu="sms"' not in user_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages(sms, path, admin_client, user_client):
    assert user_client.get(path).status_code == 403
    page = admin_client.get(path)
    assert page.status_code == 200
    assert 'aria-label="SMS pages"' in page.get_data(as_text=True)


# -- blacklist -----------------------------------------------------------------------


def test_blacklist_page_adds_and_removes(sms, admin_client):
    response = admin_client.post(
        "/sms/blacklist", data={"number": "0470 12 34 56", "reason": "Asked by phone"}
    )
    assert response.status_code == 302
    entry = SmsBlacklist.get()
    assert (entry.number, entry.reason, entry.source) == (
        "+32470123456",
        "Asked by phone",
        "manual",
    )
    page = admin_client.get("/sms/blacklist").get_data(as_text=True)
    assert "+32 470 12 34 56" in page and "Asked by phone" in page
    assert "+32 470 12 34 56" in admin_client.get("/sms/blacklist?q=470").get_data(as_text=True)

    admin_client.post("/sms/blacklist", data={"number": "+32470123456"})
    assert SmsBlacklist.select().count() == 1

    assert admin_client.post(f"/sms/blacklist/{entry.id}/remove").status_code == 302
    assert not blacklist.is_blacklisted("+32470123456")


def test_blacklist_refuses_a_bad_number(sms, admin_client):
    response = admin_client.post("/sms/blacklist", data={"number": "not a number"})
    assert response.status_code == 422 and "contains letters" in response.get_data(as_text=True)
    assert SmsBlacklist.select().count() == 0


def test_blacklist_is_for_sms_managers(sms, user_client):
    assert user_client.post("/sms/blacklist", data={"number": "+32470123456"}).status_code == 403
    blacklist.add("+32470123456")
    entry = SmsBlacklist.get()
    assert user_client.post(f"/sms/blacklist/{entry.id}/remove").status_code == 403
    assert blacklist.is_blacklisted("+32470123456")


# -- prices ----------------------------------------------------------------------------


def test_prices_page_overrides_resets_and_adds(sms, admin_client):
    page = admin_client.get("/sms/prices").get_data(as_text=True)
    assert re.search(r'<label for="price-BE">Belgium</label>', page)
    admin_client.post("/sms/prices", data={"price-BE": "1.5", "price-FR": "0.9"})
    assert [(p.country, p.credits_per_part) for p in SmsPrice.select()] == [
        ("BE", Decimal("1.5"))
    ]  # FR kept its default: no override stored
    assert pricing.prices()["BE"] == Decimal("1.5")

    admin_client.post("/sms/prices", data={"price-BE": "", "new_country": "cn", "new_price": "2"})
    assert pricing.prices()["BE"] == pricing.default_prices()["BE"]
    assert pricing.prices()["CN"] == 2
    assert "custom" in admin_client.get("/sms/prices").get_data(as_text=True)


@pytest.mark.parametrize(
    "data, error",
    [
        ({"price-BE": "-1"}, "between 0 and 100"),
        ({"price-BE": "abc"}, "is not a number"),
        ({"price-BE": "0.0000001"}, "more than 6 decimals"),
        ({"new_country": "XX", "new_price": "1"}, "not a country code"),
    ],
)
def test_prices_page_refuses_bad_values(sms, admin_client, data, error):
    response = admin_client.post("/sms/prices", data=data)
    assert response.status_code == 422 and error in response.get_data(as_text=True)
    assert SmsPrice.select().count() == 0


def test_prices_are_admin_only(sms, user_client):
    assert user_client.post("/sms/prices", data={"price-BE": "0"}).status_code == 403
    assert SmsPrice.select().count() == 0


# -- settings ----------------------------------------------------------------------------


def test_settings_block_never_shows_the_token(sms, admin_client):
    config.put(config.SECRET, AUTH_TOKEN)
    page = admin_client.get("/settings").get_data(as_text=True)
    assert 'data-block="sms"' in page and "Smart encoding" in page
    assert AUTH_TOKEN not in page and "data-token-set>set<" in page


def test_settings_save_and_keep_the_token(sms, admin_client):
    data = {
        "gateway": "twilio",
        "twilio_base_url": "https://api.twilio.com",
        "twilio_account_sid": "AC123",
        "twilio_auth_token": "tok-1",
        "twilio_from": "+15005550006",
        "smart_encoding": "on",
    }
    assert admin_client.post("/sms/settings", data=data).status_code == 302
    assert (config.get("gateway"), config.get(config.SECRET)) == ("twilio", "tok-1")
    assert config.get("smart_encoding") is True
    data.update(twilio_auth_token="", smart_encoding="")
    admin_client.post("/sms/settings", data=data)
    assert config.get(config.SECRET) == "tok-1" and config.get("smart_encoding") is False


def test_settings_refuse_an_incomplete_twilio(sms, admin_client):
    response = admin_client.post("/sms/settings", data={"gateway": "twilio"})
    assert response.status_code == 302
    assert config.get("gateway") == "outbox"
    assert Setting.select().where(Setting.key.startswith("sms.")).count() == 0


def test_settings_are_admin_only(sms, user_client):
    assert user_client.post("/sms/settings", data={"gateway": "twilio"}).status_code == 403


def test_history_survives_a_deleted_contact(sms, admin_client, contact, give_credits):
    from addons.sms.models import SmsMessage
    from tests.addons.sms.test_sms_compose import send

    give_credits(5)
    send(admin_client, contact, "Hello")
    contact.delete_instance()
    assert SmsMessage.get().contact_id is None
    page = admin_client.get("/sms/?state=delivered").get_data(as_text=True)
    assert "Marie Dubois" in page and "+32 470 12 34 56" in page
    assert "Marie Dubois" in admin_client.get("/sms/outbox").get_data(as_text=True)


def _history_rows(page: str) -> list[str]:
    return re.findall(r'data-message="(\d+)"', page)


def test_history_filter_counts_and_pages(sms, admin_client):
    """Issue 10: the history is a host state list: each state's count in the
    filter (within a mass SMS when one is chosen), pages kept within range."""
    from addons.sms.models import SmsBatch, SmsMessage

    batch = SmsBatch.create(body="Sale", state="done")
    for state in ["delivered"] * 51 + ["failed"] * 2:
        SmsMessage.create(body="Hi", state=state, gateway="outbox")
    SmsMessage.create(body="Sale", state="failed", batch=batch, gateway="outbox")

    page = admin_client.get("/sms/").get_data(as_text=True)
    assert 'value="all">All states (54)</option>' in page
    assert ">Delivered (51)</option>" in page and ">Failed (3)</option>" in page
    assert ">Canceled (0)</option>" in page and "Page 1 / 2" in page
    assert len(_history_rows(page)) == 50

    last = admin_client.get("/sms/?state=delivered&page=9").get_data(as_text=True)
    assert "Page 2 / 2" in last and len(_history_rows(last)) == 1

    failed = admin_client.get("/sms/?state=failed").get_data(as_text=True)
    assert "3 SMS" in failed and len(_history_rows(failed)) == 3
    assert 'value="failed" selected' in failed

    of_batch = admin_client.get(f"/sms/?batch={batch.id}").get_data(as_text=True)
    assert "All states (1)</option>" in of_batch and ">Failed (1)</option>" in of_batch
    assert _history_rows(of_batch) == [str(SmsMessage.get(SmsMessage.batch == batch).id)]

    # An unknown state, or the old empty one, shows every SMS.
    for state in ("", "bogus"):
        assert "54 SMS" in admin_client.get(f"/sms/?state={state}").get_data(as_text=True)


def test_the_token_is_stored_encrypted_with_a_key_outside_the_database(sms, app, admin_client):
    """Issue 11 #6: a copy of the database does not give the Twilio token away."""
    data = {
        "gateway": "twilio",
        "twilio_account_sid": "AC123",
        "twilio_auth_token": "tok-secret-81f3",
        "twilio_from": "+15005550006",
    }
    assert admin_client.post("/sms/settings", data=data).status_code == 302
    stored = Setting.get(Setting.key == "sms.twilio_auth_token").value
    assert "tok-secret-81f3" not in stored and stored.startswith("sealed:v1:")
    assert config.get(config.SECRET) == "tok-secret-81f3"
    # The key is not in the database: an app with another secret key cannot read it.
    from host.secret_store import SecretKeyMismatch, unseal

    app.extensions.pop("host_secret_box")
    app.secret_key = "another-key"
    with pytest.raises(SecretKeyMismatch):
        unseal(stored)


def test_a_new_gateway_url_needs_the_token_again(sms, admin_client):
    """Issue 11 #9: changing the URL alone would send the stored token elsewhere."""
    data = {
        "gateway": "twilio",
        "twilio_base_url": "https://api.twilio.com",
        "twilio_account_sid": "AC123",
        "twilio_auth_token": "tok-1",
        "twilio_from": "+15005550006",
    }
    admin_client.post("/sms/settings", data=data)
    moved = {**data, "twilio_base_url": "https://evil.example", "twilio_auth_token": ""}
    page = admin_client.post("/sms/settings", data=moved, follow_redirects=True)
    assert "Twilio API URL: enter the Auth Token again to change this URL" in page.get_data(
        as_text=True
    )
    assert config.get("twilio_base_url") == "https://api.twilio.com"
    moved["twilio_auth_token"] = "tok-2"
    admin_client.post("/sms/settings", data=moved)
    assert config.get("twilio_base_url") == "https://evil.example"
    assert config.get(config.SECRET) == "tok-2"


def test_plain_http_gateways_need_a_setting(sms, app, admin_client):
    data = {
        "gateway": "twilio",
        "twilio_base_url": "http://127.0.0.1:8080",
        "twilio_account_sid": "AC123",
        "twilio_auth_token": "tok-1",
        "twilio_from": "+15005550006",
    }
    page = admin_client.post("/sms/settings", data=data, follow_redirects=True)
    assert "Twilio API URL: must start with https://" in page.get_data(as_text=True)
    assert config.get("gateway") == "outbox"
    app.config["SMS_ALLOW_HTTP_GATEWAY"] = True
    admin_client.post("/sms/settings", data=data)
    assert config.get("twilio_base_url") == "http://127.0.0.1:8080"
