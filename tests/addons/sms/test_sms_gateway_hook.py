"""A third-party addon adds a gateway through the ``sms_gateways`` hook."""

import pytest

from addons.sms import config
from addons.sms.gateways import Accepted, GatewayError, SmsGateway
from addons.sms.models import SmsMessage
from host import Manifest, hookimpl
from tests.addons.sms.conftest import price
from tests.addons.sms.test_sms_compose import send


class CarrierPigeon(SmsGateway):
    key = "pigeon"
    name = "Carrier Pigeon"
    description = "Slow but offline."

    def __init__(self, log):
        self.log = log

    def send(self, message):
        if message.to.endswith("99"):
            raise GatewayError("The pigeon got lost.", failure_type="server_error")
        self.log.append(("send", message.to, message.body))
        return Accepted(provider_id=f"pigeon-{message.id}")

    def after_accepted(self, message_id):
        self.log.append(("accepted", message_id))

    def close(self):
        self.log.append(("close",))


class PigeonAddon:
    manifest = Manifest(name="pigeon", title="Pigeon SMS", depends=("sms",))

    def __init__(self):
        self.log = []

    @hookimpl
    def sms_gateways(self):
        return [CarrierPigeon(self.log)]


@pytest.fixture
def pigeon():
    return PigeonAddon()


@pytest.fixture
def host_config(host_config, pigeon):
    host_config["HOST_EXTRA_ADDONS"] = [pigeon]
    return host_config


def test_a_gateway_from_another_addon_sends(
    sms, enable, pigeon, admin_client, contact, give_credits, sms_balance
):
    enable("pigeon")
    page = admin_client.get("/settings").get_data(as_text=True)
    assert 'value="pigeon"' in page and "Carrier Pigeon" in page
    config.put("gateway", "pigeon")
    give_credits(5)

    assert send(admin_client, contact, "Coo").status_code == 200
    message = SmsMessage.get()
    assert (message.gateway, message.provider_id, message.state) == ("pigeon", "pigeon-1", "sent")
    assert pigeon.log == [("send", "+32470123456", "Coo"), ("accepted", message.id), ("close",)]
    assert sms_balance() == 5 - price("BE")

    contact.mobile = "+32 470 12 34 99"
    contact.save()
    assert send(admin_client, contact, "Coo").status_code == 502
    assert SmsMessage.get_by_id(2).failure_reason == "The pigeon got lost."
    assert sms_balance() == 5 - price("BE")


def test_a_disabled_gateway_addon_sends_nothing(sms, contact, admin_client, give_credits):
    config.put("gateway", "pigeon")  # chosen, then the addon was disabled
    give_credits(5)
    assert send(admin_client, contact, "Coo").status_code == 502
    assert "not available" in SmsMessage.get().failure_reason
