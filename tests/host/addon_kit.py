"""Small addons built inside tests, to exercise the host's plugin rules."""

from __future__ import annotations

import contextlib

import peewee
from flask import Blueprint

from host import BaseModel, FieldButton, Manifest, MenuItem, Migration, hookimpl


class Note(BaseModel):
    text = peewee.CharField(default="")

    class Meta:
        table_name = "kit_note"


def make_addon(name, depends=(), *, buttons=None, raises=False, calls=None, **hooks):
    """An addon object with a manifest and the given hook implementations."""

    namespace = {
        "manifest": Manifest(
            name=name,
            title=name.title(),
            depends=depends,
            summary=f"{name} test addon",
            version="1.0",
        )
    }

    if buttons is not None or raises:

        def record_field_buttons(model, record):
            if calls is not None:
                calls.append(name)
            if raises:
                raise RuntimeError(f"{name} is broken")
            return [
                FieldButton(id=b, label=b, url=f"/{name}/{b}", field="phone", icon="☎")
                for b in buttons or []
            ]

        namespace["record_field_buttons"] = hookimpl(record_field_buttons)

    def menu_items(user):
        return [MenuItem(id=f"menu-{name}", label=f"{name.title()} App", url=f"/{name}/")]

    namespace["menu_items"] = hookimpl(menu_items)
    for hook_name, fn in hooks.items():
        namespace[hook_name] = hookimpl(fn)
    return type(
        f"{name.title()}Addon",
        (),
        {
            k: staticmethod(v) if callable(v) and k != "manifest" else v
            for k, v in namespace.items()
        },
    )()


def blueprint_for(name):
    bp = Blueprint(name, __name__)

    @bp.route("/")
    def index():
        return f"{name} home"

    return bp


__all__ = ["Migration", "Note", "blueprint_for", "make_addon"]


# -- helpers for the host's behaviour tests -----------------------------------


def kit_config(*addons, **config) -> dict:
    """``host_config`` for an app with these test addons and no built-in ones,
    so addons written elsewhere in the repository cannot change the result."""
    return {"HOST_BUILTIN_ADDONS": (), "HOST_EXTRA_ADDONS": list(addons), **config}


def rebuild(app, *addons, **config):
    """A new app on ``app``'s database with these test addons, as after a restart.

    The caller closes it with ``close_app``.
    """
    from host import create_app
    from host.testing import HostClient

    new = create_app({**app.config, **kit_config(*addons, **config)})
    new.test_client_class = HostClient
    return new


def close_app(app) -> None:
    from host.app import close_database

    close_database(app)


def client_as(app, user):
    """A test client of ``app`` logged in as ``user``."""
    from host.testing import log_in

    return log_in(app.test_client(), user)


def page_ids(html: str) -> list[int]:
    """The contact ids offered for selection on a contacts list page."""
    import re

    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', html)]


def flashes(html: str) -> list[str]:
    """The flash messages shown on a page, unescaped."""
    import html as html_lib
    import re

    return [
        html_lib.unescape(m)
        for m in re.findall(r'<div class="flash flash-\w+">(.*?)</div>', html, re.S)
    ]


@contextlib.contextmanager
def upgraded_from(app, addon: str, version: int, **config):
    """A restart of ``app`` with ``addon`` recorded at ``version``: its later
    migrations run; yields the version it is at then, in the new app's context."""
    from host.migrations import AddonSchema

    AddonSchema.update(version=version).where(AddonSchema.addon == addon).execute()
    restarted = rebuild(app, HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"], **config)
    try:
        with restarted.app_context():
            yield AddonSchema.get(AddonSchema.addon == addon).version
    finally:
        close_app(restarted)
