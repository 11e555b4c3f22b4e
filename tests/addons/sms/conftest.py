import pytest

from tests.addons.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio


@pytest.fixture
def fake_twilio():
    """A running fake Twilio API on loopback, stopped after the test."""
    server = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).start()
    try:
        yield server
    finally:
        server.stop()
