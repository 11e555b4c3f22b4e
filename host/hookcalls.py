"""One typed way to call hooks: a method per hook, keyword-only arguments.

Nothing outside this module (and the facades addons write for the hooks
they publish) names a hook with a string: ``hooks().menu_items(user=user)``
is found by grep, checked by the editor, and says what it returns. Each
method chooses how its hook is called (see :class:`Hooks`).

An addon that publishes hooks writes its own facade beside its hookspecs::

    class IapHooks(Hooks):
        def iap_services(self) -> list[Service]:
            return self._collect(self._hook.iap_services, Service)

and calls ``hooks(IapHooks).iap_services()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from flask import current_app

from host.document_types import Document
from host.mail_wording import MailTemplate
from host.page_assets import PageAsset
from host.ui import BulkAction, Button, FieldButton, MenuItem, MessageAction, SettingsBlock
from host.widgets import FieldWidget

if TYPE_CHECKING:  # pragma: no cover - typing only
    import click
    import flask
    import peewee

    from host.jobs import Job
    from host.migrations import Migration
    from host.plugins import AddonRegistry

F = TypeVar("F", bound="Hooks")


class Hooks:
    """Base of the facades. ``self._hook`` is pluggy's public hook namespace.

    The helpers are the ways the host calls a hook:

    * :meth:`_collect`: a UI hook. Every enabled addon, each call isolated;
      the lists are checked item by item against ``item_type``, flattened and
      sorted by ``sequence`` then ``id``, duplicates dropped.
    * :meth:`_notify`: an event. Every enabled addon, each call isolated.
    * :meth:`_each`: every enabled addon, exceptions propagate; returns
      ``(addon, result)`` pairs.
    * :meth:`_build`: while the app is built. Every loaded addon; one that
      raises is taken out of service for this run.
    * :meth:`_one`: one addon's implementation (None if it has none).
    """

    def __init__(self, registry: AddonRegistry):
        self._registry = registry
        self._hook = registry.pm.hook

    def _collect(self, caller, item_type: type, **kwargs) -> list:
        return self._registry.collect(caller, item_type, kwargs)

    def _notify(self, caller, **kwargs) -> None:
        self._registry.call(caller, kwargs, names=self._registry.enabled_names(), isolate=True)

    def _each(self, caller, **kwargs) -> list[tuple[str, object]]:
        return self._registry.call(caller, kwargs, names=self._registry.enabled_names())

    def _build(self, caller, **kwargs) -> list[tuple[str, object]]:
        return self._registry.call_at_build(caller, kwargs)

    def _one(self, addon: str, caller, **kwargs):
        for _name, result in self._registry.call(caller, kwargs, names=frozenset({addon})):
            return result
        return None


class HostHooks(Hooks):
    """The host's hooks (``host/hookspecs.py`` documents each)."""

    # -- while the app is built: every loaded addon ------------------------

    def register_blueprints(self) -> list[tuple[str, list[flask.Blueprint]]]:
        return [
            (name, list(bps or [])) for name, bps in self._build(self._hook.register_blueprints)
        ]

    def register_jobs(self) -> list[tuple[str, list[Job]]]:
        from host.jobs import Job

        found = []
        for name, jobs in self._build(self._hook.register_jobs):
            bad = [j for j in jobs or [] if not isinstance(j, Job)]
            if bad or not isinstance(jobs, list | tuple):
                self._registry.fail(
                    name, f"register_jobs returned {jobs!r}: expected a list of @job functions"
                )
                continue
            found.append((name, list(jobs)))
        return found

    def init_app(self, *, app: flask.Flask) -> None:
        self._build(self._hook.init_app, app=app)

    def register_commands(self, *, cli: click.Group) -> None:
        self._registry.call(self._hook.register_commands, {"cli": cli})

    # -- one addon -----------------------------------------------------------

    def register_models(self, *, addon: str) -> list[type[peewee.Model]]:
        return list(self._one(addon, self._hook.register_models) or [])

    def register_migrations(self, *, addon: str) -> list[Migration]:
        return list(self._one(addon, self._hook.register_migrations) or [])

    # -- events: every enabled addon -----------------------------------------

    def addon_enabled(self, *, name: str) -> None:
        self._each(self._hook.addon_enabled, name=name)

    def records_saved(self, *, model: str, ids: list[int]) -> None:
        self._notify(self._hook.records_saved, model=model, ids=ids)

    # -- every installed addon, exceptions propagate -------------------------

    def contact_delete_blockers(self, *, ids: list[int]) -> list[str]:
        found = self._registry.call(
            self._hook.contact_delete_blockers, {"ids": ids}, names=self._registry.installed_names()
        )
        return [str(reason) for _name, reasons in found for reason in reasons or []]

    def contacts_deleting(self, *, ids: list[int]) -> None:
        self._registry.call(
            self._hook.contacts_deleting, {"ids": ids}, names=self._registry.installed_names()
        )

    # -- UI: every enabled addon, isolated, flattened and sorted -------------

    def menu_items(self, *, user: object) -> list[MenuItem]:
        return self._collect(self._hook.menu_items, MenuItem, user=user)

    def record_field_buttons(self, *, model: str, record: object) -> list[FieldButton]:
        return self._collect(
            self._hook.record_field_buttons, FieldButton, model=model, record=record
        )

    def record_header_buttons(self, *, model: str, record: object) -> list[Button]:
        return self._collect(self._hook.record_header_buttons, Button, model=model, record=record)

    def chatter_message_actions(
        self, *, model: str, res_id: int, messages: list
    ) -> list[MessageAction]:
        return self._collect(
            self._hook.chatter_message_actions,
            MessageAction,
            model=model,
            res_id=res_id,
            messages=messages,
        )

    def list_bulk_actions(self, *, model: str) -> list[BulkAction]:
        return self._collect(self._hook.list_bulk_actions, BulkAction, model=model)

    def settings_blocks(self) -> list[SettingsBlock]:
        return self._collect(self._hook.settings_blocks, SettingsBlock)

    def record_documents(self, *, model: str, record: object) -> list[Document]:
        return self._collect(self._hook.record_documents, Document, model=model, record=record)

    def document_actions(
        self, *, model: str, record: object, documents: list[Document]
    ) -> list[Button]:
        return self._collect(
            self._hook.document_actions, Button, model=model, record=record, documents=documents
        )

    def document_actions_offered(self) -> bool:
        """Whether an enabled addon implements ``document_actions`` (if none
        does, a form does not ask for its documents at all)."""
        return self._registry.implemented(self._hook.document_actions)

    def record_field_widgets(self, *, model: str, record: object) -> list[FieldWidget]:
        return self._collect(
            self._hook.record_field_widgets, FieldWidget, model=model, record=record
        )

    def mail_templates(self) -> list[MailTemplate]:
        return self._collect(self._hook.mail_templates, MailTemplate)

    def page_assets(self, *, endpoint: str) -> list[PageAsset]:
        return self._collect(self._hook.page_assets, PageAsset, endpoint=endpoint)


def hooks(facade: type[F] = HostHooks) -> F:
    """The current app's facade of type ``facade`` (the host's hooks by default)."""
    return current_app.extensions["host"].facade(facade)
