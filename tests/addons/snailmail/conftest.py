import pytest


@pytest.fixture
def host_config(host_config):
    """Only the addons the snailmail tests need: addons in progress elsewhere cannot interfere."""
    host_config.update(
        HOST_BUILTIN_ADDONS=("addons.iap.plugin", "addons.snailmail.plugin"),
        IAP_EDITION="community",
        SNAILMAIL_OUTBOX_STEP_DELAY=0,
        SNAILMAIL_PINGEN_TIMEOUT=2,
        SNAILMAIL_PINGEN_VALIDATION_WAIT=2,
    )
    return host_config


@pytest.fixture
def snailmail(app, enable):
    """The snailmail addon enabled, for a company in Belgium, with an empty account."""
    from host import Setting

    enable("snailmail")
    Setting.write("company_country", "BE")
    Setting.write("company_name", "ACME Letters")
    return app


@pytest.fixture
def give_credits(snailmail):
    from addons.iap import grant

    return lambda amount: grant("snailmail", amount, reason="Test credits")


@pytest.fixture
def snailmail_balance(snailmail):
    from addons.iap import balance

    return lambda: balance("snailmail")


@pytest.fixture
def queue_letter(snailmail, contact):
    """``queue_letter(**fields)``: a pending letter to ``contact`` (a one-page document)."""
    import json

    from addons.snailmail import sending, tracking
    from addons.snailmail.models import Letter
    from tests.addons.snailmail import documents

    def make(document=None, **fields):
        values = {
            "model": "contact",
            "res_id": contact.id,
            "contact": contact.id,
            "subject": "Reminder",
            "document": document or documents.pdf(1),
            "address": json.dumps(sending.contact_address(contact)),
        }
        values.update(fields)
        letter = Letter.create(**values)
        tracking.follow(letter)
        return letter

    return make


@pytest.fixture
def fake_pingen():
    from tests.addons.snailmail.fake_pingen import FakePingen

    server = FakePingen().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pingen(snailmail, fake_pingen):
    """Letters go to ``fake_pingen``."""
    from addons.snailmail import config
    from tests.addons.snailmail import fake_pingen as wire

    config.put("provider", "pingen")
    config.put("pingen_base_url", fake_pingen.base_url)
    config.put("pingen_identity_url", fake_pingen.base_url)
    config.put("pingen_client_id", wire.CLIENT_ID)
    config.put("pingen_client_secret", wire.CLIENT_SECRET)
    config.put("pingen_organisation", wire.ORGANISATION)
    config.put("pingen_webhook_secret", wire.WEBHOOK_SECRET)
    return fake_pingen
