import pytest

from tests.addons.iap.service_kit import WidgetAddon


@pytest.fixture
def host_config(host_config):
    host_config["HOST_EXTRA_ADDONS"] = [WidgetAddon()]
    host_config["IAP_EDITION"] = "community"
    return host_config


@pytest.fixture
def widget(app, enable):
    """The widget service enabled, with an empty account."""
    enable("widget")
    return "widget"
