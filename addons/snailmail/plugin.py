"""The snailmail addon's hook implementations."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template

from addons.iap import Service, standard_packs
from addons.snailmail import config, hookspecs, jobs  # noqa: F401 - jobs registers the queue's tasks
from addons.snailmail.models import MODELS
from addons.snailmail.providers.outbox import OutboxShop
from addons.snailmail.providers.pingen import PingenShop
from host import Button, Manifest, MenuItem, SettingsBlock, hookimpl

manifest = Manifest(
    name="snailmail",
    title="Snailmail",
    version="1.0",
    summary="Send letters and documents by post, priced before sending, tracked to the door.",
    depends=("iap",),
    icon="✉️",
    category="Productivity",
    hookspecs=hookspecs,
)


@hookimpl
def register_models():
    return MODELS


@hookimpl
def register_migrations():
    return []


@hookimpl
def register_blueprints():
    from addons.snailmail import admin, webhooks  # noqa: F401 - they add their routes
    from addons.snailmail.views import blueprint

    return [blueprint]


@hookimpl
def init_app(app):
    config.init_config(app)


@hookimpl
def iap_services():
    return [
        Service(
            key="snailmail",
            name="Snailmail",
            description="Letters by post; a one-sheet letter in the country costs about one credit",
            unit="credit",
            packs=standard_packs(),
            icon="✉️",
            trial_credits=Decimal(5),
        )
    ]


@hookimpl
def snailmail_print_shops():
    return [OutboxShop(), PingenShop()]


@hookimpl
def record_header_buttons(model, record):
    if model != "contact":
        return []
    return [
        Button(
            id="snailmail-send",
            label="Send by post",
            icon="✉️",
            title="Send a letter or a PDF to this contact by post",
            endpoint="snailmail.compose",
            values={"contact_id": record.id},
            target="page",
        )
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(
            id="snailmail",
            label="Letters",
            endpoint="snailmail.letters",
            icon="✉️",
            description="Letters sent by post, their states, outbox and prices",
            sequence=40,
        )
    ]


@hookimpl
def settings_blocks():
    from addons.snailmail import admin

    return [
        SettingsBlock(
            id="snailmail",
            section="Snailmail",
            title="Snailmail",
            render=lambda: render_template(
                "snailmail/settings_block.html", **admin.settings_context()
            ),
            keywords=("letter", "post", "pingen", "print", "envelope", "window"),
            sequence=30,
        )
    ]
