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
