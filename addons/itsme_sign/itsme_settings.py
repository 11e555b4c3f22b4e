"""The itsme block of the Settings page: what to register at itsme, and the
admin's switch for keeping Belgian national numbers."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from addons.itsme_sign import config, itsme_client
from addons.itsme_sign.oidc.config import JWKS_PATH
from addons.itsme_sign.views import blueprint
from host import SettingsBlock, admin_required, write_transaction


def _context() -> dict:
    app_config = current_app.config
    return {
        "configured": itsme_client.configured(),
        "discovery_url": app_config["ITSME_DISCOVERY_URL"],
        "client_id": app_config["ITSME_CLIENT_ID"],
        "redirect_uri": itsme_client.redirect_uri(),
        "jwks_url": app_config["HOST_BASE_URL"].rstrip("/") + JWKS_PATH,
        "eid": app_config["ITSME_EID"],
        "values": config.SETTINGS.values(),
    }


def blocks() -> list[SettingsBlock]:
    return [
        SettingsBlock(
            id="itsme_sign",
            section="itsme Sign",
            title="itsme identification",
            render=lambda: render_template("itsme_sign/itsme_settings_block.html", **_context()),
            keywords=("itsme", "identification", "national number", "eid", "jwks", "oidc"),
            sequence=40,
        )
    ]


@blueprint.route("/itsme/settings", methods=["POST"])
@admin_required
def itsme_settings():
    form = config.SETTINGS.form(request.form)
    if not config.SETTINGS.validate(form):
        flash("itsme settings not saved: a value is not valid.", "error")
        return redirect(url_for("host.settings"))
    with write_transaction():
        config.SETTINGS.save(form)
    flash("itsme settings saved.", "success")
    return redirect(url_for("host.settings"))
