"""The Apps page: enable and disable addons."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from host.manifest import AddonError
from host.plugins import registry
from host.security import admin_required
from host.views.blueprint import blueprint


@blueprint.route("/apps")
@admin_required
def apps():
    reg = registry()
    addons = sorted(
        (a for a in reg.addons.values() if not a.core),
        key=lambda a: (a.manifest.title if a.manifest else a.name).lower(),
    )
    enabled = reg.enabled_names()

    def title(name: str) -> str:
        addon = reg.addons.get(name)
        return addon.manifest.title if addon is not None and addon.manifest else name

    def needed_by(name: str) -> list[str]:
        """The enabled addons that depend on ``name``: it cannot be disabled before them."""
        return sorted(
            title(other.name)
            for other in reg.addons.values()
            if other.manifest and name in other.manifest.depends and other.name in enabled
        )

    return render_template(
        "host/apps.html",
        addons=addons,
        enabled=enabled,
        hooks_of=reg.hooks_of,
        title_of=title,
        needed_by=needed_by,
    )


@blueprint.route("/apps/<name>/<any(enable, disable):action>", methods=["POST"])
@admin_required
def app_action(name: str, action: str):
    reg = registry()
    try:
        if action == "enable":
            names = reg.enable(name)
            flash(_enabled_message(reg, name, names), "success")
        else:
            reg.disable(name)
            flash(f"Disabled {reg.get(name).manifest.title}.", "success")
    except AddonError as exc:
        flash(str(exc), "error")
        return redirect(url_for("host.apps")), 303
    return redirect(url_for("host.apps"))


def _enabled_message(reg, name: str, names: list[str]) -> str:
    title = reg.get(name).manifest.title
    if not names:
        return f"{title} was already enabled."
    deps = [reg.get(n).manifest.title for n in names if n != name]
    if not deps:
        return f"Enabled {title}."
    listed = deps[0] if len(deps) == 1 else ", ".join(deps[:-1]) + " and " + deps[-1]
    return f"Enabled {title}, and {listed}, which it depends on."
