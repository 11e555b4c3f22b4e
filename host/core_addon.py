"""The host's own features, contributed through the same hooks as any addon."""

from __future__ import annotations

from flask import render_template

from host.forms import COUNTRY_PAIRS
from host.hookspecs import hookimpl
from host.manifest import Manifest
from host.models import Setting
from host.ui import MenuItem, SettingsBlock

manifest = Manifest(
    name="base",
    title="Base",
    version="1.0",
    summary="Users, contacts, chatter, settings and the apps page.",
    icon="🏠",
    category="Core",
)


@hookimpl
def menu_items(user):
    return [
        MenuItem(
            id="contacts",
            label="Contacts",
            endpoint="host.contacts",
            icon="👥",
            description="People and companies",
            sequence=1,
        ),
        MenuItem(
            id="apps",
            label="Apps",
            endpoint="host.apps",
            icon="🧩",
            description="Enable and disable addons",
            sequence=90,
            admin_only=True,
        ),
        MenuItem(
            id="settings",
            label="Settings",
            endpoint="host.settings",
            icon="⚙️",
            description="Company and addon settings",
            sequence=95,
            admin_only=True,
        ),
        MenuItem(
            id="outbox",
            label="Outbox",
            endpoint="host.outbox",
            icon="✉️",
            description="Emails kept while no mail server is set",
            sequence=97,
            admin_only=True,
        ),
        MenuItem(
            id="users",
            label="Users",
            endpoint="host.users",
            icon="🔑",
            description="Who can log in",
            sequence=98,
            admin_only=True,
        ),
    ]


@hookimpl
def record_documents(model, record):
    if model != "contact":
        return []
    from host.contact_sheet import contact_sheet
    from host.documents import Document, Recipient

    return [
        Document(
            id="contact-sheet",
            title="Contact sheet",
            filename=f"{record.name or 'contact'}.pdf".replace("/", "-"),
            render=lambda: contact_sheet(record),
            recipient=Recipient.from_contact(record),
        )
    ]


@hookimpl
def record_header_buttons(model, record):
    # Document actions (Send by post…) join the header of any record with a
    # printable document, whichever addon owns the record.
    from host.documents import action_buttons

    return action_buttons(model, record)


@hookimpl
def settings_blocks():
    def company():
        return render_template(
            "host/settings_company.html",
            country=Setting.read("company_country", "BE"),
            company_name=Setting.read("company_name", "My Company"),
            countries=COUNTRY_PAIRS,
        )

    from host.notify import templates

    blocks = []
    count = len(templates())
    if count:  # shown once an enabled addon sends such mails
        blocks.append(
            SettingsBlock(
                id="mail-templates",
                section="Emails",
                title="Mail templates",
                render=lambda: render_template("host/settings_mail.html", count=count),
                keywords=("email", "template", "wording", "signer", "letter"),
                sequence=50,
            )
        )
    return [
        *blocks,
        SettingsBlock(
            id="company",
            section="Companies",
            title="Company",
            render=company,
            keywords=("country", "name"),
            sequence=1,
        ),
    ]
