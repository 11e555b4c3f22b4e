"""Behind one trusted proxy (``HOST_PROXIES=1``) the visitor's IP is the one
the proxy puts in ``X-Forwarded-For``, and its country comes from the offline
database."""

import pytest

from addons.lead_generation.models import PageView
from addons.lead_generation.tracking import site_token


@pytest.fixture
def host_config(host_config):
    host_config["HOST_PROXIES"] = 1
    return host_config


def test_the_proxy_s_forwarded_for_names_the_visitor(lg, client):
    response = client.post(
        "/lead_generation/track",
        data={"k": site_token(), "u": "https://shop.example/"},
        headers={"X-Forwarded-For": "203.0.113.9, 81.240.0.5"},
        csrf=False,
    )
    assert response.status_code == 204
    view = PageView.get()
    # Only the last hop is the trusted proxy's: the visitor's own claim is ignored.
    assert (view.ip, view.country) == ("81.240.0.5", "BE")
