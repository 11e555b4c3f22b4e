"""The Settings page and the company block."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from host.db import db
from host.forms import CompanyForm
from host.hookcalls import hooks
from host.models import Setting
from host.security import admin_required
from host.views.blueprint import blueprint


@blueprint.route("/settings")
@admin_required
def settings():
    blocks = hooks().settings_blocks()
    sections: dict[str, list] = {}
    for block in blocks:
        sections.setdefault(block.section, []).append(block)
    return render_template("host/settings.html", sections=sections)


@blueprint.route("/settings/company", methods=["POST"])
@admin_required
def settings_company():
    form = CompanyForm(request.form)
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("host.settings"))
    with db.atomic():
        Setting.write("company_name", form.company_name.data.strip())
        Setting.write("company_country", form.country.data)
    flash("Company settings saved.", "success")
    return redirect(url_for("host.settings"))
