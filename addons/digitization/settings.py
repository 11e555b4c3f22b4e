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
    form = request.form
    parsed, errors = {}, []
    for key, kind in KINDS.items():
        mode = form.get(f"mode_{key}", "")
        if mode not in config.MODES:
            errors.append(f"{kind.label}: choose when to digitize.")
            continue
        try:
            credits = config.parse_credits(form.get(f"credits_{key}", ""))
        except ValueError as exc:
            errors.append(f"{kind.label}: {exc}.")
            continue
        parsed[key] = (mode, credits)
    if errors:
        for error in errors:
            flash(f"Digitization settings not saved: {error}", "error")
        return redirect(url_for("host.settings"))
    with db.atomic():
        for key, (mode, credits) in parsed.items():
            config.put(key, mode_value=mode, credits_value=credits)
    flash("Digitization settings saved.", "success")
    return redirect(url_for("host.settings"))
