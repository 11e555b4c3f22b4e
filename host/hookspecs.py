"""Every hook the host calls, in one place.

Addons implement them with ``from host import hookimpl``. Hooks are always
called with keyword arguments; an implementation may accept any subset of the
arguments, and must not give them defaults (pluggy would pass nothing).

UI hooks are called once per enabled addon, each call isolated: an addon that
raises is logged and shown as failing on the Apps page while the page renders
without its contribution. Results are lists that the host flattens and sorts
by ``sequence``; a duplicate ``id`` is dropped with an error in the log.

Load order follows the manifests' ``depends``, never registration order.
Wrapper implementations are refused at load. The host calls these hooks
through :class:`host.hookcalls.HostHooks`, one typed method per hook; a new
hook gets its spec here and its method there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover - typing only
    import click
    import flask
    import peewee

    from host.document_types import Document
    from host.jobs import Job
    from host.mail_wording import MailTemplate
    from host.migrations import Migration
    from host.page_assets import PageAsset
    from host.ui import BulkAction, Button, FieldButton, MenuItem, MessageAction, SettingsBlock
    from host.widgets import FieldWidget

PROJECT = "iap_host"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_models() -> list[type[peewee.Model]]:
    """Tables the addon owns.

    Called when the addon is enabled for the first time: the host creates the
    tables that do not exist yet, and records the addon's latest migration as
    applied (the models describe the current schema). Table names start with
    the addon's name (``sms_message``).

    :return: peewee model classes, bound to ``host.db``.
    """


@hookspec
def register_migrations() -> list[Migration]:
    """Versioned schema changes of the addon's own tables.

    Called at start-up for every enabled addon, and when an addon is enabled
    again after an upgrade: each migration whose version is above the one
    recorded for the addon runs once, in version order, in a transaction.

    :return: :class:`host.Migration` objects with increasing ``version``.
    """


@hookspec
def register_blueprints() -> list[flask.Blueprint]:
    """The addon's Flask blueprints.

    Called once while the app is built. A blueprint without ``url_prefix`` is
    mounted under ``/<addon name>``. Its routes answer 404 while the addon is
    disabled, and need a logged-in user unless marked with ``host.public``.

    :return: blueprints (usually one).
    """


@hookspec
def init_app(app: flask.Flask) -> None:
    """Set up per-app state: config defaults (prefixed with the addon's name
    in capitals, ``SMS_``), template filters, ``app.extensions`` entries.

    Called once per app, in load order, after every blueprint is registered,
    whether or not the addon is enabled in the database.
    """


@hookspec
def addon_enabled(name: str) -> None:
    """React to an addon being enabled (the addon itself or another one).

    Called inside an app context after the addon's tables exist, once per
    enable; ``name`` is the addon just enabled.
    """


@hookspec
def menu_items(user: object) -> list[MenuItem]:
    """App tiles on the home page and entries in the top menu.

    Called on every page for the logged-in ``user``; items with
    ``admin_only`` are hidden from users who are not admins.
    """


@hookspec
def record_field_buttons(model: str, record: object) -> list[FieldButton]:
    """Icon buttons shown to the right of a record's fields.

    Called when a record's form is rendered. ``model`` names the record type
    (``"contact"``, ``"digitization.bill"``); ``record`` is the saved record.
    Return buttons only for fields that hold a value the action can use: the
    SMS icon appears next to a filled ``phone``, not an empty one.
    """


@hookspec
def record_header_buttons(model: str, record: object) -> list[Button]:
    """Buttons in a record's header (``Send by post``, ``Digitize``).

    Called when a record's form is rendered, with the same arguments as
    :func:`record_field_buttons`.
    """


@hookspec
def chatter_message_actions(model: str, res_id: int, messages: list) -> list[MessageAction]:
    """Buttons on the chatter messages an addon posted (``Retry`` and
    ``Cancel letter`` on a letter's line).

    Called once each time a record's chatter is rendered (the record's page,
    and the chatter's refresh while a message is on its way), with the
    messages shown. Return actions only for the messages you own (by ``kind``
    or ``meta``), each naming its ``message_id``; ids are unique per page.
    """


@hookspec
def list_bulk_actions(model: str) -> list[BulkAction]:
    """Actions offered on the records selected in a list view.

    Called when a list of ``model`` records is rendered. The action's URL
    receives the selected ids in ``ids`` (repeated), or ``all=1`` and ``q``
    when the user chose every record matching the search.
    """


@hookspec
def records_saved(model: str, ids: list[int]) -> None:
    """Records were created or changed, and the change is committed.

    Called by :func:`host.notify_saved` (the contact form, the demo data, an
    import) with every record saved at once, so an addon can keep data it
    derives from them up to date: the sms addon validates a contact's phone
    numbers when they are saved rather than when ten thousand are texted.
    Each addon's call is isolated: one that raises is logged and does not
    undo the save. Rows written by SQL behind the host's back do not call it,
    so derived data must still be checked when it is used.
    """


@hookspec
def settings_blocks() -> list[SettingsBlock]:
    """Blocks on the Settings page, grouped by their ``section``.

    Called when the Settings page is rendered; each block's ``render`` is
    called then and returns its HTML.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``iap-host`` command line.

    Called once when the command line starts, for every loaded addon; the
    commands run inside an app context.
    """


@hookspec
def record_field_widgets(model: str, record: object) -> list[FieldWidget]:
    """Live behaviour on a field of a record's form: type-ahead suggestions
    that fill other fields when one is chosen.

    Called when a record's form is rendered, the new-record form included
    (``record.id`` is then ``None``). The host renders the field with data
    attributes that its static ``widgets.js`` reads: no inline script. One
    widget per field; a second one on the same field is dropped and reported.
    """


@hookspec
def record_documents(model: str, record: object) -> list[Document]:
    """The printable PDFs of a record, for the addons that act on documents
    (``Send by post``).

    Called when a record's form is rendered, only while an enabled addon
    offers document actions, and when such an action asks for the record's
    documents (:func:`host.documents_of`). Return documents only for the
    models the addon owns; a ``Document`` renders its PDF when asked, not
    before.
    """


@hookspec
def document_actions(model: str, record: object, documents: list[Document]) -> list[Button]:
    """Actions an addon offers on a record that has printable documents.

    Called when a record's form is rendered, if the record has at least one
    document (see :func:`record_documents`); the buttons join the record's
    header. The action's view finds the documents again with
    :func:`host.documents_of`.
    """


@hookspec
def mail_templates() -> list[MailTemplate]:
    """Mails the addon sends to people who are not users, with their default
    wording; administrators reword them on the *Mail templates* page.

    Called when the addon sends one (:func:`host.send_mail_template`) and when
    the *Mail templates* pages are rendered.
    """


@hookspec
def register_jobs() -> list[Job]:
    """The addon's background jobs, declared with :func:`host.job`.

    Called once while the app is built, for every loaded addon. A listed job
    runs only while its addon is enabled: the worker skips a periodic one and
    drops a queued one (with a log line) while the addon is disabled, so a
    disabled or never-enabled addon's jobs neither run nor fail. A periodic
    job that no addon lists never runs.

    :return: the ``Job`` objects ``@job`` made (``[jobs.sweep, jobs.send]``).
    """


@hookspec
def page_assets(endpoint: str) -> list[PageAsset]:
    """Static scripts and stylesheets an addon adds to a page it does not own
    (Partner Autocomplete's script on the host's contact form).

    Called once per page built on the host's ``base.html``, with the
    request's ``endpoint`` (``"host.contact"``): return assets only for the
    pages that need them. The host links the stylesheets in ``<head>`` and
    the scripts at the end of ``<body>``, after its own ``host.js`` and
    ``widgets.js``. Assets are files of a blueprint's ``static`` folder, never
    inline code, so a Content-Security-Policy without ``'unsafe-inline'``
    holds; an addon never rewrites the rendered page.

    :return: :class:`host.PageAsset` objects.
    """


@hookspec
def contact_delete_blockers(ids: list[int]) -> list[str]:
    """Why the contacts ``ids`` cannot be deleted now, one sentence each
    (``"An SMS to Marie Dubois (+32 470 12 34 56) is being sent."``).

    Called inside the deletion's transaction, after the contacts' rows are
    locked, for every installed addon (enabled or not: its records are kept
    while it is disabled). Return what is in flight and would go wrong
    without its contact (an SMS queued, a letter not handed to the print
    shop yet): the host refuses the deletion, shows the sentences, and
    deletes nothing. History is no reason to refuse: see
    :func:`contacts_deleting`.
    """


@hookspec
def contacts_deleting(ids: list[int]) -> None:
    """The contacts ``ids`` are being deleted: unlink the addon's records.

    Called inside the deletion's transaction, after
    :func:`contact_delete_blockers` found nothing, before the contacts' rows
    and their chatter are deleted, for every installed addon. Records that
    are history (a sent SMS, a posted letter) stay, with what they need to
    stay readable (the name, number or address they were sent to) copied on
    them and their contact id set to NULL; data derived from the contact
    alone may go. Every id of the contacts must be gone from the addon's
    tables afterwards: SQLite gives a deleted contact's id to the next one
    created. An exception undoes the whole deletion. A foreign key declared
    ``on_delete="SET NULL"`` or ``"CASCADE"`` does this for its column
    (both databases enforce foreign keys); the hook is for the rest (an id
    in an ``IntegerField``, the chatter line a record updates).
    """
