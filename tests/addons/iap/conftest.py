import pytest

from tests.addons.iap.conftest_stripe import fake_stripe, stripe_gateway  # noqa: F401
from tests.addons.iap.service_kit import WidgetAddon


@pytest.fixture
def host_config(host_config):
    # Only what these tests are about: the iap addon and a test service.
    host_config["HOST_BUILTIN_ADDONS"] = ("addons.iap.plugin",)
    host_config["HOST_EXTRA_ADDONS"] = [WidgetAddon()]
    host_config["IAP_EDITION"] = "community"
    return host_config


@pytest.fixture
def widget(app, enable):
    """The widget service enabled, with an empty account."""
    enable("widget")
    return "widget"
