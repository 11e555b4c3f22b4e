"""The partner_autocomplete addon's hook implementations."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template

from addons.iap import Service, standard_packs
from addons.partner_autocomplete import config, jobs
from addons.partner_autocomplete.models import MODELS
from host import (
    Button,
    FieldButton,
    FieldWidget,
    Group,
    Manifest,
    Migration,
    PageAsset,
    SettingsBlock,
    hookimpl,
)

manifest = Manifest(
    name="partner_autocomplete",
    title="Partner Autocomplete",
    version="1.0",
    summary="Company data that fills a contact as you type, with VAT numbers checked offline "
    "and against VIES.",
    depends=("iap",),
    icon="🏢",
    category="Sales",
    config=config.CONFIG,
    groups=(Group("user", "User", "Completes and enriches contacts, paid with credits"),),
    default_group="user",
)

# The host's contact form pages, where the dropdown is attached.
CONTACT_FORM_ENDPOINTS = ("host.contact_new", "host.contact")
_STATIC = "partner_autocomplete.static"
_ASSETS = "partner_autocomplete/"


@hookimpl
def register_jobs():
    return [jobs.vies_check, jobs.vies_retry_sweep]


@hookimpl
def register_models():
    return MODELS


def _index_vocabulary(migrator, database):
    """Version 1: SQLite's name index keeps a vocabulary (fts5vocab), so a
    search asks only for the rarest trigrams of each word."""
    from addons.partner_autocomplete import name_index

    name_index.ensure()


def _company_logo(migrator, database):
    """Version 2: ``partner_autocomplete_company.logo`` (``Extra.Logo``)."""
    import peewee

    columns = {c.name for c in database.get_columns("partner_autocomplete_company")}
    if "logo" not in columns:
        migrator.add_column(
            "partner_autocomplete_company", "logo", peewee.CharField(max_length=255, default="")
        ).run()


def _word_index(migrator, database):
    """Version 3: on PostgreSQL, names are searched by their words (a
    vocabulary with a trigram index, and a GIN index of each name's words)
    instead of by the trigrams of whole names; the vocabulary is filled
    from the companies already loaded."""
    from addons.partner_autocomplete import name_index

    name_index.refresh()


def _forget_deleted_contacts(migrator, database):
    """Version 4: what was learnt about contacts deleted before the host
    called ``contacts_deleting`` goes, before SQLite gives their ids to new
    contacts."""
    from addons.partner_autocomplete.models import ContactCompany, VatCheck
    from host import Contact

    gone = set()
    for model in (ContactCompany, VatCheck):
        orphans = model.select(model.contact_id).where(
            model.contact_id.not_in(Contact.select(Contact.id))
        )
        gone |= {contact_id for (contact_id,) in orphans.tuples()}
    ids = sorted(gone)
    for start in range(0, len(ids), 500):  # IN lists SQLite takes
        contacts_deleting(ids[start : start + 500])


@hookimpl
def register_migrations():
    return [
        Migration(1, "vocabulary of the name index", _index_vocabulary),
        Migration(2, "companies may have a logo", _company_logo),
        Migration(3, "names searched by their words on PostgreSQL", _word_index),
        Migration(4, "forget the contacts deleted before", _forget_deleted_contacts),
    ]


@hookimpl
def register_blueprints():
    from addons.partner_autocomplete.views import blueprint

    return [blueprint]


@hookimpl
def page_assets(endpoint):
    """The script that takes over a chosen company on the contact form (the
    dropdown itself is the host's field widget), and its panel's styles."""
    if endpoint not in CONTACT_FORM_ENDPOINTS or not config.switch("enabled"):
        return []
    return [
        PageAsset(
            id="partner-autocomplete-css", static=_STATIC, filename=_ASSETS + "autocomplete.css"
        ),
        PageAsset(id="partner-autocomplete-js", static=_STATIC, filename=_ASSETS + "choice.js"),
    ]


@hookimpl
def record_field_widgets(model, record):
    if model != "contact" or not config.switch("enabled"):
        return []
    if record.id is not None and not record.is_company:
        return []  # a person: their company is another contact
    return [
        FieldWidget(
            id=f"partner-autocomplete-{name}",
            field=name,
            endpoint="partner_autocomplete.suggest",
            label="Company suggestions",
            min_chars=3,
            # A new contact is a company only once its box is ticked.
            when="is_company",
            context=("country",),
        )
        for name in ("name", "vat", "website")
    ]


@hookimpl
def addon_enabled(name):
    if name == "partner_autocomplete":
        from addons.partner_autocomplete import name_index

        name_index.ensure()


@hookimpl
def iap_services():
    return [
        Service(
            key="partner_autocomplete",
            name="Partner Autocomplete",
            description="Company data for contacts; one credit per company, searching is free",
            unit="credit",
            packs=standard_packs(),
            icon="🏢",
            trial_credits=Decimal(10),
        )
    ]


@hookimpl
def records_saved(model, ids):
    if model != "contact":
        return
    from addons.partner_autocomplete import form_links, vat_checks
    from addons.partner_autocomplete.jobs import vies_check

    form_links.link_from_form(ids)
    for contact_id in vat_checks.remember(ids):
        vies_check.delay(contact_id)


@hookimpl
def record_header_buttons(model, record):
    if model != "contact" or not record.is_company or not config.switch("enabled"):
        return []
    return [
        Button(
            id="partner-autocomplete-enrich",
            label="Enrich",
            icon="🏢",
            title="Fill this company's empty fields from the company register (1 credit)",
            endpoint="partner_autocomplete.enrich_contact",
            values={"contact_id": record.id},
            target="dialog",
            sequence=30,
        )
    ]


@hookimpl
def record_field_buttons(model, record):
    if model != "contact" or not record.vat:
        return []
    from addons.partner_autocomplete import vat_checks
    from addons.partner_autocomplete.models import VatCheck

    check = VatCheck.get_or_none(VatCheck.contact_id == record.id)
    if check is None:
        return []
    icons = {"valid": "✅", "invalid": "❌", "unavailable": "⏳", "pending": "⏳", "failed": "⚠️"}
    label = vat_checks.label(check)
    return [
        FieldButton(
            id="partner-autocomplete-vies",
            field="vat",
            label=label,
            title=label,
            icon=icons.get(check.state, "ℹ️"),
            icon_only=False,
            endpoint="partner_autocomplete.vies_status",
            values={"contact_id": record.id},
            target="dialog",
        )
    ]


@hookimpl
def settings_blocks():
    from addons.partner_autocomplete.views import settings_context

    return [
        SettingsBlock(
            id="partner_autocomplete",
            section="Contacts",
            title="Partner Autocomplete",
            render=lambda: render_template(
                "partner_autocomplete/settings_block.html", **settings_context()
            ),
            keywords=("company", "vat", "vies", "register", "gleif", "lei", "enrich"),
            sequence=30,
        )
    ]


@hookimpl
def register_commands(cli):
    from addons.partner_autocomplete.cli import partner_autocomplete

    if "partner-autocomplete" not in cli.commands:
        cli.add_command(partner_autocomplete)


@hookimpl
def contacts_deleting(ids):
    # What was learnt about the contact goes with it; the purchase that paid
    # for the company's data stays (it names no contact).
    from addons.partner_autocomplete.models import ContactCompany, VatCheck

    ContactCompany.delete().where(ContactCompany.contact_id.in_(ids)).execute()
    VatCheck.delete().where(VatCheck.contact_id.in_(ids)).execute()
