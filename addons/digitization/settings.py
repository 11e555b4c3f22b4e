"""The Settings page's block: when each kind is digitized, and what a document costs."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from addons.digitization import config
from addons.digitization.kinds import KINDS
from addons.digitization.views import blueprint
from host import admin_required, db


def settings_context() -> dict:
    return {
        "kinds": list(KINDS.values()),
        "modes": config.MODES,
        "values": {
            key: {"mode": config.mode(key), "credits": f"{config.credits(key).normalize():f}"}
            for key in KINDS
        },
    }


@blueprint.route("/settings", methods=["POST"])
@admin_required
def settings():
    form = config.SETTINGS.form(request.form)
    errors = []
    for key, kind in KINDS.items():
        if getattr(form, f"mode_{key}").data not in config.MODES:
            errors.append(f"{kind.label}: choose when to digitize.")
            continue
        try:
            config.parse_credits(getattr(form, f"credits_{key}").data or "")
        except ValueError as exc:
            errors.append(f"{kind.label}: {exc}.")
    if errors or not config.SETTINGS.validate(form):
        for error in errors:
            flash(f"Digitization settings not saved: {error}", "error")
        return redirect(url_for("host.settings"))
    with db.atomic():
        config.SETTINGS.save(form)
    flash("Digitization settings saved.", "success")
    return redirect(url_for("host.settings"))
