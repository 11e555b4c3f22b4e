"""A small service addon for the iap tests: it sells ``widget`` credits."""

from decimal import Decimal

from addons.iap.testing import ServiceAddon


class WidgetAddon(ServiceAddon):
    def __init__(self, trial=Decimal(0)):
        super().__init__("widget", title="Widgets", trial=trial)
