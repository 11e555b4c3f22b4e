"""The lead_generation addon's hook implementations."""

from __future__ import annotations

from decimal import Decimal

from addons.iap import Service, standard_packs
from addons.lead_generation import config, hookspecs, jobs
from addons.lead_generation.leads import CHATTER_MODEL
from addons.lead_generation.models import MODELS, Lead
from addons.lead_generation.views import lead_visible
from host import ChatterModel, Group, Manifest, MenuItem, Migration, hookimpl

manifest = Manifest(
    name="lead_generation",
    title="Lead Generation",
    version="1.0",
    summary="Leads mined by country, industry and size, and website visitors turned into "
    "leads; charged for exactly what is returned.",
    depends=("iap",),
    icon="🎯",
    category="Sales",
    hookspecs=hookspecs,
    config=config.CONFIG,
    groups=(
        Group(
            "user",
            "User",
            "Mines leads and sees the leads they are the salesperson of or that their "
            "own mining requests found",
        ),
        Group("manager", "Manager", "Sees every lead and every user's mining requests"),
    ),
    default_group="user",
    # The host's chatter route answers 404 for a lead the user may not see.
    chatter=(ChatterModel(CHATTER_MODEL, Lead, visible=lead_visible),),
)


@hookimpl
def register_jobs():
    return [jobs.run_request, jobs.reveal_visitors, jobs.resume_requests]


@hookimpl
def register_models():
    return MODELS


def _page_view_queue_index(migrator, database):
    """Version 1: the reveal job reads pending page views by state then id."""
    database.execute_sql(
        "CREATE INDEX IF NOT EXISTS lead_generation_page_view_state_id "
        "ON lead_generation_page_view (state, id)"
    )


def _forget_deleted_contacts(migrator, database):
    """Version 2: leads and CRM keys of contacts deleted before the host
    called ``contacts_deleting`` let go of them, before SQLite gives their
    ids to new contacts."""
    from addons.lead_generation.models import CrmKey
    from host import Contact

    gone = set()
    for column in (Lead.contact_id, CrmKey.contact_id):
        # NOT IN an empty list holds for NULL too: the ids are asked to be set.
        orphans = column.model.select(column).where(
            column.is_null(False) & column.not_in(Contact.select(Contact.id))
        )
        gone |= {contact_id for (contact_id,) in orphans.tuples()}
    ids = sorted(gone)
    for start in range(0, len(ids), 500):  # IN lists SQLite takes
        contacts_deleting(ids[start : start + 500])


@hookimpl
def register_migrations():
    return [
        Migration(1, "page views read by state", _page_view_queue_index),
        Migration(2, "forget the contacts deleted before", _forget_deleted_contacts),
    ]


@hookimpl
def register_blueprints():
    from addons.lead_generation import rules_views, tracking  # noqa: F401 - they add their routes
    from addons.lead_generation.views import blueprint

    return [blueprint]


@hookimpl
def iap_services():
    return [
        Service(
            key="lead_generation",
            name="Lead Generation",
            description="New leads: 1 credit per company plus 1 per contact returned",
            unit="credit",
            packs=standard_packs(),
            icon="🎯",
            trial_credits=Decimal(20),
        )
    ]


@hookimpl
def lead_generation_providers():
    from addons.lead_generation.providers.local import LocalProvider
    from addons.lead_generation.providers.remote import RemoteProvider

    return [LocalProvider(), RemoteProvider()]


@hookimpl
def menu_items(user):
    items = [
        MenuItem(
            id="lead_generation",
            label="Leads",
            endpoint="lead_generation.leads",
            icon="🎯",
            description="Leads mined by criteria and from website visitors",
            sequence=35,
        ),
        MenuItem(
            id="lead_generation_rules",
            label="Lead Generation Rules",
            endpoint="lead_generation.rules",
            icon="🛰️",
            description="Which website visitors become leads, and the tracking snippet",
            sequence=36,
            admin_only=True,
        ),
    ]
    return items


@hookimpl
def records_saved(model, ids):
    if model == "contact":
        from addons.lead_generation import crm

        crm.remember_contacts(ids)


@hookimpl
def addon_enabled(name):
    if name == "lead_generation":
        from addons.lead_generation import crm

        crm.remember_contacts(None)  # the contacts saved before the addon was on


@hookimpl
def register_commands(cli):
    from addons.lead_generation.cli import lead_generation

    if "lead-generation" not in cli.commands:
        cli.add_command(lead_generation)


@hookimpl
def contacts_deleting(ids):
    # A converted lead stays a lead: it can be converted again.
    from addons.lead_generation import crm

    Lead.update(contact_id=None).where(Lead.contact_id.in_(ids)).execute()
    crm.forget_contacts(ids)
