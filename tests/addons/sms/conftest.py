from decimal import Decimal

import pytest

from tests.addons.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

SENDER = "+15005550006"


@pytest.fixture
def fake_twilio():
    """A running fake Twilio API on loopback, stopped after the test."""
    server = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def host_config(host_config):
    """Only the addons the sms tests need, so addons in progress elsewhere cannot interfere."""
    host_config.update(
        HOST_BUILTIN_ADDONS=("addons.iap.plugin", "addons.sms.plugin"),
        IAP_EDITION="community",
        SMS_OUTBOX_DELIVERY_DELAY=0,
        SMS_TWILIO_TIMEOUT=2,
    )
    return host_config


@pytest.fixture
def sms(app, enable):
    """The sms addon enabled, for a company in Belgium, with an empty account."""
    from host import Setting

    enable("sms")
    Setting.write("company_country", "BE")
    return app


@pytest.fixture
def give_credits(sms):
    """``give_credits(10)`` grants SMS credits."""
    from addons.iap import grant

    def give(amount):
        grant("sms", amount, reason="Test credits")

    return give


@pytest.fixture
def sms_balance(sms):
    from addons.iap import balance

    return lambda: balance("sms")


@pytest.fixture
def twilio_gateway(sms, fake_twilio):
    """SMS go through ``fake_twilio``."""
    from addons.sms import config

    config.put("gateway", "twilio")
    config.put("twilio_base_url", fake_twilio.base_url)
    config.put("twilio_account_sid", ACCOUNT_SID)
    config.put(config.SECRET, AUTH_TOKEN)
    config.put("twilio_from", SENDER)
    return fake_twilio


def price(country: str) -> Decimal:
    from addons.sms import pricing

    return pricing.prices()[country]
