"""Small addons built inside tests, to exercise the host's plugin rules."""

from __future__ import annotations

import peewee
from flask import Blueprint

from host import BaseModel, FieldButton, Manifest, MenuItem, Migration, hookimpl


class Note(BaseModel):
    text = peewee.CharField(default="")

    class Meta:
        table_name = "kit_note"


def make_addon(name, depends=(), *, buttons=None, raises=False, calls=None, **hooks):
    """An addon object with a manifest and the given hook implementations."""

    namespace = {"manifest": Manifest(name=name, title=name.title(), depends=depends,
                                      summary=f"{name} test addon", version="1.0")}

    if buttons is not None or raises:
        def record_field_buttons(model, record):
            if calls is not None:
                calls.append(name)
            if raises:
                raise RuntimeError(f"{name} is broken")
            return [FieldButton(id=b, label=b, url=f"/{name}/{b}", field="phone",
                                icon="☎") for b in buttons or []]
        namespace["record_field_buttons"] = hookimpl(record_field_buttons)

    def menu_items(user):
        return [MenuItem(id=f"menu-{name}", label=f"{name.title()} App", url=f"/{name}/")]

    namespace["menu_items"] = hookimpl(menu_items)
    for hook_name, fn in hooks.items():
        namespace[hook_name] = hookimpl(fn)
    return type(f"{name.title()}Addon", (), {k: staticmethod(v) if callable(v) and k !=
                                             "manifest" else v for k, v in namespace.items()})()


def blueprint_for(name):
    bp = Blueprint(name, __name__)

    @bp.route("/")
    def index():
        return f"{name} home"

    return bp


__all__ = ["Migration", "Note", "blueprint_for", "make_addon"]
