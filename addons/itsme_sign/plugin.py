"""The itsme_sign addon's hook implementations.

The addon has two halves: the signing app (this module's neighbours) and
the identification through itsme (``identify.py`` and ``oidc/``). The
second joins through :func:`_identification`: when ``identify.py`` exists
its routes are added to this blueprint, and its models and jobs, when it
lists them (``identify.MODELS``, ``identify.JOBS``), are the addon's too.
"""

from __future__ import annotations

import importlib
import importlib.util
from decimal import Decimal

from addons.iap import Service, standard_packs
from addons.itsme_sign import config
from addons.itsme_sign.jobs import JOBS
from addons.itsme_sign.models import MODELS, SignRequest
from host import (
    ChatterModel,
    Group,
    MailTemplate,
    Manifest,
    MenuItem,
    Migration,
    hookimpl,
)

manifest = Manifest(
    name="itsme_sign",
    title="itsme Sign",
    version="1.0",
    summary="Documents signed online by signers who prove who they are with itsme.",
    depends=("iap",),
    icon="✍️",
    category="Productivity",
    config=config.CONFIG,
    groups=(
        Group("user", "User", "Own requests"),
        Group("manager", "Manager", "Every request, roles"),
    ),
    default_group="user",
    # The host's chatter route answers 404 for another user's request.
    chatter=(
        ChatterModel(
            "itsme_sign.request",
            SignRequest,
            owner=SignRequest.author,
            see_all="itsme_sign.manager",
        ),
    ),
)


def _identification():
    """The identification part's module, once it is installed; else None."""
    if importlib.util.find_spec("addons.itsme_sign.identify") is None:
        return None
    return importlib.import_module("addons.itsme_sign.identify")


@hookimpl
def register_models():
    part = _identification()
    return MODELS + list(getattr(part, "MODELS", []))


@hookimpl
def register_jobs():
    part = _identification()
    return JOBS + list(getattr(part, "JOBS", []))


def _requests_count_completion_failures(migrator, database):
    """Version 1: ``completion_attempts`` and ``completion_error``, which cap
    the retries of a signed PDF that cannot be made and tell its sender."""
    import peewee

    columns = {c.name for c in database.get_columns("itsme_sign_request")}
    if "completion_attempts" not in columns:
        migrator.add_column(
            "itsme_sign_request", "completion_attempts", peewee.IntegerField(default=0)
        ).run()
    if "completion_error" not in columns:
        migrator.add_column(
            "itsme_sign_request",
            "completion_error",
            peewee.CharField(max_length=1000, default=""),
        ).run()


def _failed_requests_say_so(migrator, database):
    """Version 2: a request that gave up making its signed PDF is ``failed``
    (it stayed ``sent`` with its ``completion_error``)."""
    database.execute_sql(
        "UPDATE itsme_sign_request SET state = 'failed' "
        "WHERE state = 'sent' AND completion_error <> ''"
    )


def _pending_identifications_table(migrator, database):
    """Version 3: ``itsme_sign_pending_identification``, the identifications
    under way (their nonce and PKCE verifier left the session cookie)."""
    import peewee

    class PendingIdentification(peewee.Model):  # the columns of version 3, frozen
        key = peewee.CharField(max_length=64, unique=True)
        state = peewee.CharField(max_length=128, unique=True)
        link_token = peewee.TextField()
        nonce = peewee.CharField(max_length=128)
        code_verifier = peewee.CharField(max_length=128)
        acr = peewee.CharField(max_length=128)
        eid = peewee.BooleanField(default=False)
        created = peewee.DoubleField(index=True)
        claimed = peewee.BooleanField(default=False)

        class Meta:
            table_name = "itsme_sign_pending_identification"

    with database.bind_ctx([PendingIdentification]):
        database.create_tables([PendingIdentification], safe=True)


@hookimpl
def register_migrations():
    return [
        Migration(
            1, "requests count the signed PDF's failures", _requests_count_completion_failures
        ),
        Migration(2, "a request whose signed PDF failed is failed", _failed_requests_say_so),
        Migration(
            3, "identifications under way kept on the server", _pending_identifications_table
        ),
    ]


@hookimpl
def register_blueprints():
    from addons.itsme_sign import signer_views  # noqa: F401 - adds its routes
    from addons.itsme_sign.views import blueprint

    _identification()  # adds its routes to the blueprint
    return [blueprint]


@hookimpl
def settings_blocks():
    part = _identification()
    return list(part.settings_blocks()) if hasattr(part, "settings_blocks") else []


@hookimpl
def register_commands(cli):
    part = _identification()
    if hasattr(part, "register_commands"):
        part.register_commands(cli)


@hookimpl
def iap_services():
    return [
        Service(
            key="itsme_sign",
            name="itsme Sign",
            description="Identifications of signers through itsme: 1 credit each",
            unit="identification",
            packs=standard_packs(),
            icon="✍️",
            trial_credits=Decimal(5),
        )
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(
            id="itsme_sign",
            label="Sign",
            endpoint="itsme_sign.requests_list",
            icon="✍️",
            description="Documents to sign, their signers and states",
            sequence=45,
        )
    ]


@hookimpl
def mail_templates():
    return [
        MailTemplate(
            id="itsme_sign.request",
            name="Signature request",
            description="Sent to each signer when their turn to sign comes",
            subject="{{ sender }} asks you to sign {{ document }}",
            body=(
                "Hello {{ signer }},\n\n"
                "{{ sender }} asks you to sign {{ document }}:\n{{ link }}\n\n"
                "The link is yours alone and works for {{ days }} days."
            ),
            placeholders={
                "signer": "Jan Peeters",
                "sender": "Marie Dubois",
                "document": "Employment contract",
                "link": "https://example.com/itsme_sign/s/abc",
                "days": 14,
            },
        ),
        MailTemplate(
            id="itsme_sign.signed",
            name="Document signed",
            description="Sent to every signer and the sender once everyone has signed",
            subject="{{ document }} is signed",
            body=(
                "Hello {{ name }},\n\n"
                "Everyone has signed {{ document }}: the signed PDF is attached, and "
                "here too:\n{{ link }}\n\n"
                "SHA-256 of the signed PDF: {{ sha256 }}"
            ),
            placeholders={
                "name": "Jan Peeters",
                "document": "Employment contract",
                "link": "https://example.com/itsme_sign/s/abc/signed.pdf",
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            },
        ),
        MailTemplate(
            id="itsme_sign.failed",
            name="Signed PDF failed",
            description="Sent once to the sender when the signed PDF cannot be made",
            subject="{{ document }}: the signed PDF could not be made",
            body=(
                "Hello {{ name }},\n\n"
                "Everyone has signed {{ document }}, but the signed PDF could not be "
                "made:\n\n{{ error }}\n\n{{ link }}"
            ),
            placeholders={
                "name": "Marie Dubois",
                "document": "Employment contract",
                "error": "The signed PDF could not be made after 5 attempts.",
                "link": "https://example.com/itsme_sign/requests/1",
            },
        ),
        MailTemplate(
            id="itsme_sign.declined",
            name="Signature declined",
            description="Sent to the sender when a signer declines",
            subject="{{ signer }} declined to sign {{ document }}",
            body="{{ signer }} declined to sign {{ document }}:\n\n{{ reason }}\n\n{{ link }}",
            placeholders={
                "signer": "Jan Peeters",
                "document": "Employment contract",
                "reason": "The start date is wrong.",
                "link": "https://example.com/itsme_sign/requests/1",
            },
        ),
    ]
