"""The iap addon's hook implementations."""

from __future__ import annotations

from flask import render_template, url_for

from addons.iap import hookspecs, jobs
from addons.iap.editions import EDITIONS
from addons.iap.models import MODELS
from addons.iap.payments import DemoProvider, StripeProvider
from host import Config, ConfigKey, Group, Manifest, MenuItem, SettingsBlock, hookimpl


def _iso_date(raw) -> str:
    import datetime as dt

    text = str(raw).strip()
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a YYYY-MM-DD date") from None
    return text


CONFIG = Config(
    "IAP",
    ConfigKey(
        name="IAP_EDITION",
        default="demo",
        choices=EDITIONS,
        example="community",
        meaning="`enterprise`, `demo`, `training`, `educational`, `one_app_free` or "
        "`community`: who gets trial credits",
    ),
    ConfigKey(
        name="IAP_SUBSCRIPTION_EXPIRES",
        default=None,
        type=_iso_date,
        example="2030-01-31",
        meaning="`YYYY-MM-DD`; `enterprise` and `one_app_free` need it for trial credits",
    ),
    ConfigKey(
        name="IAP_HOLD_TTL",
        default=900,
        type=int,
        minimum=1,
        meaning="Seconds before an unfinished charge's hold is released",
    ),
    ConfigKey(
        name="IAP_PAYMENT_PROVIDER",
        default="demo",
        example="stripe",
        announce=True,
        meaning="`demo` (test card form, offline) or `stripe`",
    ),
    ConfigKey(name="STRIPE_API_KEY", default=None, secret=True, meaning="Stripe secret API key"),
    ConfigKey(
        name="STRIPE_WEBHOOK_SECRET",
        default=None,
        secret=True,
        meaning="Signs Stripe's calls to `/iap/webhooks/stripe`",
    ),
    ConfigKey(
        name="STRIPE_API_BASE",
        default=None,
        example="http://127.0.0.1:12111",
        meaning="Another Stripe-compatible API (tests); unset: Stripe's own",
    ),
    also=("STRIPE",),
)

manifest = Manifest(
    name="iap",
    title="In-App Purchases",
    version="1.1",
    summary="Credit accounts for every service, packs to buy, charge() for addon developers.",
    icon="💳",
    category="Core",
    hookspecs=hookspecs,
    config=CONFIG,
    groups=(
        Group("user", "User", "Sees the credit accounts, their history and warnings"),
        Group("manager", "Manager", "Buys credit packs, sets warnings and refunds holds"),
    ),
    default_group="",
)


@hookimpl
def register_jobs():
    return [jobs.sweep, jobs.auto_topup]


@hookimpl
def register_models():
    return MODELS


@hookimpl
def register_migrations():
    from addons.iap.migrations import MIGRATIONS

    return MIGRATIONS


@hookimpl
def register_blueprints():
    from addons.iap.views import blueprint

    return [blueprint]


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
