"""A small service addon for the iap tests: it sells ``widget`` credits."""

from decimal import Decimal

from addons.iap import Service, standard_packs
from host import Manifest, hookimpl


class WidgetAddon:
    manifest = Manifest(
        name="widget", title="Widgets", depends=("iap",), summary="Makes widgets for credits."
    )

    def __init__(self, trial=Decimal(0)):
        self.trial = trial

    @hookimpl
    def iap_services(self):
        return [
            Service(
                key="widget",
                name="Widgets",
                description="One widget per credit",
                packs=standard_packs(),
                trial_credits=self.trial,
                trial_days=30,
            )
        ]
