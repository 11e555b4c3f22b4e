"""The digitization addon's hook implementations."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template

from addons.digitization import config, jobs
from addons.digitization.kinds import BY_MODEL, KINDS
from addons.digitization.models import MODELS, QUEUEABLE, Document, file_data
from addons.iap import Service, standard_packs
from host import (
    BulkAction,
    Button,
    ChatterModel,
    Contact,
    Group,
    Manifest,
    MenuItem,
    Migration,
    Recipient,
    SettingsBlock,
    hookimpl,
)
from host import Document as PrintableDocument

manifest = Manifest(
    name="digitization",
    title="Documents Digitization",
    version="1.0",
    summary="Read vendor bills, receipts and resumes into records, paid with credits.",
    depends=("iap",),
    icon="🧾",
    category="Productivity",
    config=config.CONFIG,
    groups=(
        Group("user", "User", "Uploads, reads and corrects their own documents"),
        Group("manager", "Manager", "Sees every user's documents, validates and reopens them"),
    ),
    default_group="user",
    # A plain User sees the chatter of their own uploads; a Manager, everyone's.
    chatter=tuple(
        ChatterModel(kind.model, Document, owner=Document.author, see_all="digitization.manager")
        for kind in KINDS.values()
    ),
)


@hookimpl
def register_jobs():
    return [jobs.digitize, jobs.sweep]


@hookimpl
def register_models():
    return MODELS


@hookimpl
def register_migrations():
    return [Migration(1, "settings saved under the contract's names", _settings_renamed)]


def _settings_renamed(migrator, database):
    """Version 1: the Settings block's values move from ``digitization.mode.<kind>``
    to ``digitization.mode_<kind>`` (and credits alike), the names its
    configuration contract gives them."""
    from addons.digitization.kinds import KINDS
    from host import Setting

    for kind in KINDS:
        for what in ("mode", "credits"):
            old = Setting.get_or_none(Setting.key == f"digitization.{what}.{kind}")
            if old is None:
                continue
            if Setting.get_or_none(Setting.key == f"digitization.{what}_{kind}") is None:
                Setting.write(f"digitization.{what}_{kind}", old.value)
            old.delete_instance()


@hookimpl
def register_blueprints():
    from addons.digitization import settings  # noqa: F401 - adds its route
    from addons.digitization.views import blueprint

    return [blueprint]


@hookimpl
def iap_services():
    return [
        Service(
            key="digitization",
            name="Documents Digitization",
            description="Vendor bills, receipts and resumes read into records; "
            "one credit per document by default",
            unit="document",
            packs=standard_packs(),
            trial_credits=Decimal(10),
            icon="🧾",
        )
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(
            id=f"digitization-{kind.slug}",
            label=kind.label,
            endpoint="digitization.documents_list",
            values={"slug": kind.slug},
            icon=kind.icon,
            description=kind.description,
            sequence=kind.sequence,
        )
        for kind in KINDS.values()
    ]


@hookimpl
def record_header_buttons(model, record):
    kind = BY_MODEL.get(model)
    if kind is None or record.state not in QUEUEABLE or config.mode(kind.key) == "never":
        return []
    retry = record.state != "draft"
    return [
        Button(
            id="digitization-digitize",
            label="Retry" if retry else "Digitize",
            title="Digitize this document again" if retry else "Read the fields of this document",
            icon="🔁" if retry else "🪄",
            endpoint="digitization.digitize",
            values={"slug": kind.slug, "document_id": record.id},
            target="post",
            sequence=5,
        )
    ]


@hookimpl
def record_documents(model, record):
    # The uploaded PDF, for document actions (Send by post); its recipient is
    # the contact the document was matched to, looked up only when asked.
    # Another user's upload never gets here for a plain User: the manifest's
    # chatter (owner, see_all) makes the host answer as if it did not exist.
    if model not in BY_MODEL or record.mimetype != "application/pdf":
        return []

    def recipient():
        contact = Contact.get_or_none(Contact.id == record.contact_id)
        return Recipient.from_contact(contact) if contact is not None else None

    return [
        PrintableDocument(
            id="digitization-file",
            title=record.display_name,
            filename=record.filename,
            render=lambda: file_data(record.id),
            recipient=recipient if record.contact_id else None,
        )
    ]


@hookimpl
def list_bulk_actions(model):
    kind = BY_MODEL.get(model)
    if kind is None or config.mode(kind.key) == "never":
        return []
    return [
        BulkAction(
            id="digitization-digitize",
            label="Digitize",
            icon="🪄",
            title="Digitize the selected documents (or retry them)",
            endpoint="digitization.digitize_selected",
            values={"slug": kind.slug},
        )
    ]


@hookimpl
def settings_blocks():
    from addons.digitization.settings import settings_context

    return [
        SettingsBlock(
            id="digitization",
            section="Digitization",
            title="Documents Digitization",
            render=lambda: render_template(
                "digitization/settings_block.html", **settings_context()
            ),
            keywords=("ocr", "bills", "expenses", "resumes", "applicants", "invoice", "scan"),
            sequence=30,
        )
    ]


@hookimpl
def contacts_deleting(ids):
    # A document keeps the vendor, name and VAT number it was read with; only
    # the link to the contact matched or made for it goes.
    Document.update(contact=None, contact_match="").where(Document.contact.in_(ids)).execute()
