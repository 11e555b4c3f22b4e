"""The sms addon's hook implementations."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template

from addons.iap import Service, standard_packs
from addons.sms import config, hookspecs, jobs
from addons.sms.contact_deletion import contact_delete_blockers, contacts_deleting  # noqa: F401 - hooks
from addons.sms.gateways import TwilioGateway
from addons.sms.models import MODELS
from addons.sms.outbox_gateway import OutboxGateway
from host import (
    BulkAction,
    FieldButton,
    Group,
    Manifest,
    MenuItem,
    Migration,
    SettingsBlock,
    hookimpl,
    is_postgres,
)

manifest = Manifest(
    name="sms",
    title="SMS",
    version="1.2",
    summary="Send text messages to contacts, one by one or in bulk, paid with credits.",
    depends=("iap",),
    icon="📱",
    category="Marketing",
    hookspecs=hookspecs,
    config=config.CONFIG,
    groups=(
        Group("user", "User", "Sends SMS and follows their own mass SMS"),
        Group("manager", "Manager", "Sees, cancels and retries every user's mass SMS"),
    ),
    default_group="user",
)

PHONE_FIELDS = ("phone", "mobile")


@hookimpl
def register_jobs():
    return [
        jobs.send_batch,
        jobs.outbox_deliver,
        jobs.outbox_deliver_many,
        jobs.take_up_lost_work,
        jobs.outbox_sweep,
    ]


@hookimpl
def register_models():
    return MODELS


def _keep_composer_plans(migrator, database):
    """Version 1 kept the mass SMS composer's plan (``sms_batch_line``,
    ``sms_batch.planned_at`` and ``plan_key``); version 2 replaced it, so
    there is nothing left for it to do."""


def _validate_numbers_on_save(migrator, database):
    """Version 2: numbers validated when contacts are saved
    (``sms_contact_number``, filled as contacts are saved or texted) and the
    shipped prices in the database (``sms_default_price``), so a mass SMS is
    planned in SQL; the composer's kept plan is gone; only pending messages
    are indexed by state; a batch's job beats (``sms_batch.heartbeat_at``)."""
    import peewee

    from addons.sms.models import SmsContactNumber, SmsDefaultPrice, SmsMessage

    database.create_tables([SmsContactNumber, SmsDefaultPrice], safe=True)
    database.execute_sql("DROP TABLE IF EXISTS sms_batch_line")
    # A message's state is no longer indexed; the pending ones are (see models).
    for index in ("sms_message_state", "sms_message_batch_id_state"):
        database.execute_sql(f'DROP INDEX IF EXISTS "{index}"')
    SmsMessage._schema.create_indexes(safe=True)
    columns = {c.name for c in database.get_columns("sms_batch")}
    for name in ("planned_at", "plan_key"):
        if name in columns:
            migrator.drop_column("sms_batch", name).run()
    if "heartbeat_at" not in columns:
        migrator.add_column("sms_batch", "heartbeat_at", peewee.DateTimeField(null=True)).run()


@hookimpl
def register_migrations():
    return [
        Migration(1, "keep the mass SMS composer's plan", _keep_composer_plans),
        Migration(2, "validate contacts' numbers when they are saved", _validate_numbers_on_save),
        Migration(3, "remember the replies acted upon", _remember_replies),
    ]


def _remember_replies(migrator, database):
    database.execute_sql(
        'CREATE TABLE IF NOT EXISTS "sms_inbound_reply" ('
        '"id" ' + ("SERIAL" if is_postgres() else "INTEGER") + " NOT NULL PRIMARY KEY, "
        '"sid" VARCHAR(64) NOT NULL, "number" VARCHAR(20) NOT NULL, '
        '"created_at" TIMESTAMP NOT NULL)'
    )
    database.execute_sql(
        'CREATE UNIQUE INDEX IF NOT EXISTS "sms_inbound_reply_sid" ON "sms_inbound_reply" ("sid")'
    )


@hookimpl
def records_saved(model, ids):
    if model == "contact":
        from addons.sms import contact_numbers

        contact_numbers.remember(ids)


@hookimpl
def register_blueprints():
    from addons.sms import admin, webhooks  # noqa: F401 - they add their routes
    from addons.sms.views import blueprint

    return [blueprint]


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
            # Shown to who may open the history: SMS managers and administrators.
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
