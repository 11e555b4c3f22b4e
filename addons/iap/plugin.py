"""The iap addon's hook implementations."""

from __future__ import annotations

from flask import render_template, url_for

from addons.iap import hookspecs, jobs  # noqa: F401 - jobs registers the sweeper
from addons.iap.models import MODELS
from addons.iap.payments import DemoProvider, StripeProvider
from host import Manifest, MenuItem, Migration, SettingsBlock, hookimpl

manifest = Manifest(
    name="iap",
    title="In-App Purchases",
    version="1.1",
    summary="Credit accounts for every service, packs to buy, charge() for addon developers.",
    icon="💳",
    category="Core",
    hookspecs=hookspecs,
)


@hookimpl
def register_models():
    return MODELS


def _orders_remember_saving(migrator, database):
    """Version 1: an order says whether the buyer asked to keep the card
    (``iap_order.save_method``), for Stripe's automatic top-ups."""
    import peewee

    if "save_method" not in {c.name for c in database.get_columns("iap_order")}:
        field = peewee.BooleanField(default=False)
        migrator.add_column("iap_order", "save_method", field).run()


@hookimpl
def register_migrations():
    return [Migration(1, "orders remember whether to save the card", _orders_remember_saving)]


@hookimpl
def register_blueprints():
    from addons.iap.views import blueprint

    return [blueprint]


@hookimpl
def init_app(app):
    app.config.setdefault("IAP_EDITION", "demo")
    app.config.setdefault("IAP_HOLD_TTL", 900)
    app.config.setdefault("IAP_PAYMENT_PROVIDER", "demo")


@hookimpl
def menu_items(user):
    return [
        MenuItem(
            id="iap",
            label="Credits",
            endpoint="iap.accounts",
            icon="💳",
            description="Balances and credit packs",
            sequence=80,
            admin_only=True,
        )
    ]


@hookimpl
def settings_blocks():
    def render():
        return render_template("iap/settings_block.html", accounts_url=url_for("iap.accounts"))

    return [
        SettingsBlock(
            id="iap",
            section="Contacts",
            title="IAP: In-App Purchases",
            render=render,
            keywords=("credits", "odoo iap", "services", "buy"),
            sequence=50,
        )
    ]


@hookimpl
def iap_payment_providers():
    return [DemoProvider(), StripeProvider()]


@hookimpl
def register_commands(cli):
    from addons.iap.cli import credits

    if "credits" not in cli.commands:
        cli.add_command(credits)
