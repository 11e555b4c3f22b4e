import hello_addon
import pytest

from addons.iap import balance
from host.models import Message


@pytest.fixture
def host_config(host_config):
    host_config["HOST_EXTRA_ADDONS"] = [hello_addon]
    return host_config


def test_greeting_costs_one_credit(admin_client, enable, credits, contact):
    enable("hello")
    credits("hello", 1)
    assert "Say hello" in admin_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    admin_client.post(f"/hello/greet/{contact.id}")
    assert balance("hello") == 0
    assert Message.get(Message.kind == "note").body == "Hello Marie Dubois!"
    page = admin_client.post(f"/hello/greet/{contact.id}", follow_redirects=True)
    assert "Not enough hello credits" in page.get_data(as_text=True)
