"""The sms addon's hook implementations."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template

from addons.iap import Service, standard_packs
from addons.sms import config, hookspecs, jobs  # noqa: F401 - jobs registers the queue's tasks
from addons.sms.gateways import OutboxGateway, TwilioGateway
from addons.sms.models import MODELS
from host import (
    BulkAction,
    FieldButton,
    Manifest,
    MenuItem,
    Migration,
    SettingsBlock,
    hookimpl,
)

manifest = Manifest(
    name="sms",
    title="SMS",
    version="1.1",
    summary="Send text messages to contacts, one by one or in bulk, paid with credits.",
    depends=("iap",),
    icon="📱",
    category="Marketing",
    hookspecs=hookspecs,
)

PHONE_FIELDS = ("phone", "mobile")


@hookimpl
def register_models():
    return MODELS


def _keep_composer_plans(migrator, database):
    """Version 1: the composer keeps its plan (``sms_batch_line``, and when
    and with what it planned on ``sms_batch``)."""
    import peewee

    from addons.sms.models import SmsBatchLine

    columns = {c.name for c in database.get_columns("sms_batch")}
    if "planned_at" not in columns:
        migrator.add_column("sms_batch", "planned_at", peewee.DateTimeField(null=True)).run()
    if "plan_key" not in columns:
        field = peewee.CharField(max_length=64, default="")
        migrator.add_column("sms_batch", "plan_key", field).run()
    database.create_tables([SmsBatchLine], safe=True)


@hookimpl
def register_migrations():
    return [Migration(1, "keep the mass SMS composer's plan", _keep_composer_plans)]


@hookimpl
def register_blueprints():
    from addons.sms import admin, webhooks  # noqa: F401 - they add their routes
    from addons.sms.views import blueprint

    return [blueprint]


@hookimpl
def init_app(app):
    config.init_config(app)


@hookimpl
def iap_services():
    return [
        Service(
            key="sms",
            name="SMS",
            description="Text messages; one credit is about one SMS part to Belgium",
            unit="credit",
            packs=standard_packs(),
            icon="📱",
            # Enough to try it: granted once, for editions entitled to trials.
            trial_credits=Decimal(10),
        )
    ]


@hookimpl
def sms_gateways():
    return [OutboxGateway(), TwilioGateway()]


@hookimpl
def record_field_buttons(model, record):
    if model != "contact":
        return []
    return [
        FieldButton(
            id=f"sms-{name}",
            field=name,
            label="SMS",
            title="SMS",
            icon="📱",
            endpoint="sms.compose",
            values={"contact_id": record.id, "field": name},
            target="dialog",
        )
        for name in PHONE_FIELDS
        if (getattr(record, name, "") or "").strip()
    ]


@hookimpl
def list_bulk_actions(model):
    if model != "contact":
        return []
    return [
        BulkAction(
            id="sms-send",
            label="Send SMS",
            icon="📱",
            title="Send an SMS to the selected contacts",
            endpoint="sms.mass",
        )
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(
            id="sms",
            label="SMS",
            endpoint="sms.history",
            icon="📱",
            description="Sent SMS, outbox, blacklist and prices",
            sequence=30,
            admin_only=True,
        )
    ]


@hookimpl
def settings_blocks():
    from addons.sms import admin

    return [
        SettingsBlock(
            id="sms",
            section="SMS",
            title="SMS",
            render=lambda: render_template("sms/settings_block.html", **admin.settings_context()),
            keywords=("text message", "twilio", "gateway", "gsm", "unicode", "encoding"),
            sequence=20,
        )
    ]
