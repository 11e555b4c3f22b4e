"""The snailmail addon's hook implementations."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template

from addons.iap import Service, standard_packs
from addons.snailmail import config, hookspecs, jobs
from addons.snailmail.contact_deletion import contact_delete_blockers, contacts_deleting  # noqa: F401 - hooks
from addons.snailmail.models import MODELS
from addons.snailmail.providers.outbox import OutboxShop
from addons.snailmail.providers.pingen import PingenShop
from host import Button, Group, Manifest, MenuItem, Migration, SettingsBlock, hookimpl

manifest = Manifest(
    name="snailmail",
    title="Snailmail",
    version="1.0",
    summary="Send letters and documents by post, priced before sending, tracked to the door.",
    depends=("iap",),
    icon="✉️",
    category="Productivity",
    hookspecs=hookspecs,
    config=config.CONFIG,
    groups=(
        Group("user", "User", "Sends letters and follows their own"),
        Group("manager", "Manager", "Sees, cancels and retries every user's letters"),
    ),
    default_group="user",
)


@hookimpl
def register_jobs():
    return [
        jobs.send_letter,
        jobs.retry_letters,
        jobs.take_up_lost,
        jobs.outbox_step,
        jobs.outbox_sweep,
    ]


@hookimpl
def register_models():
    return MODELS


def _letters_remember_their_document(migrator, database):
    """Version 1: a letter keeps the id of the record's document it sends
    (``snailmail_letter.document_id``), so a retry reads its recipient again."""
    import peewee

    columns = {c.name for c in database.get_columns("snailmail_letter")}
    if "document_id" not in columns:
        migrator.add_column(
            "snailmail_letter", "document_id", peewee.CharField(max_length=64, default="")
        ).run()


def _letters_count_unknown_errors(migrator, database):
    """Version 2: ``snailmail_letter.unknown_errors``, the print shop's
    failures in a row, which cap and space out the automatic retries."""
    import peewee

    columns = {c.name for c in database.get_columns("snailmail_letter")}
    if "unknown_errors" not in columns:
        migrator.add_column(
            "snailmail_letter", "unknown_errors", peewee.IntegerField(default=0)
        ).run()


@hookimpl
def chatter_message_actions(messages):
    from addons.snailmail.views import chatter_actions

    return chatter_actions(messages)


def _forget_deleted_contacts(migrator, database):
    """Version 3: letters to contacts deleted before the host called
    ``contacts_deleting`` stop linking to them, before SQLite gives their
    ids to new contacts."""
    from addons.snailmail.models import Letter
    from host import Contact

    # NOT IN an empty list holds for NULL too: the ids are asked to be set.
    known = Contact.select(Contact.id)
    gone = set()
    for column, where in ((Letter.res_id, Letter.model == "contact"), (Letter.contact, True)):
        orphans = Letter.select(column).where(where & column.is_null(False) & column.not_in(known))
        gone |= {contact_id for (contact_id,) in orphans.tuples()}
    ids = sorted(gone)
    for start in range(0, len(ids), 500):  # IN lists SQLite takes
        contacts_deleting(ids[start : start + 500])


@hookimpl
def register_migrations():
    return [
        Migration(1, "letters remember their document", _letters_remember_their_document),
        Migration(2, "letters count the print shop's failures", _letters_count_unknown_errors),
        Migration(3, "forget the contacts deleted before", _forget_deleted_contacts),
    ]


@hookimpl
def register_blueprints():
    from addons.snailmail import admin, composer, webhooks  # noqa: F401 - they add their routes
    from addons.snailmail.views import blueprint

    return [blueprint]


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
def document_actions(model, record, documents):
    """``Send by post`` on any record with a printable PDF for someone (a
    contact's sheet, a digitized bill…): the composer sends that document, or
    a letter written or uploaded there."""
    addressed = [d for d in documents if d.recipient is not None]
    return [
        Button(
            id=f"snailmail-{document.id}",
            label="Send by post" if len(addressed) == 1 else f"Send {document.title} by post",
            icon="✉️",
            title=f"Send {document.title.lower()} or a letter by post",
            endpoint="snailmail.compose_document",
            values={"model": model, "res_id": record.id, "document_id": document.id},
            target="page",
            sequence=20,
        )
        for document in addressed
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
