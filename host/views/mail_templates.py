"""The administrators' pages of mail templates: the list, and one template's
wording with a live preview rendered from the template's sample values."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from host import notify
from host.security import admin_required, current_user
from host.views.blueprint import blueprint


def _template(template_id: str) -> notify.MailTemplate:
    template = notify.templates().get(template_id)
    if template is None:
        abort(404, description="No enabled app sends this mail.")
    return template


@blueprint.route("/mail-templates")
@admin_required
def mail_templates():
    rows = [
        (template, notify.wording(template)[2])
        for template in sorted(notify.templates().values(), key=lambda t: (t.sequence, t.id))
    ]
    return render_template("host/mail_templates.html", rows=rows)


@blueprint.route("/mail-templates/<template_id>", methods=["GET", "POST"])
@admin_required
def mail_template(template_id: str):
    template = _template(template_id)
    subject, body, customised = notify.wording(template)
    error, status = None, 200
    if request.method == "POST":
        if request.form.get("action") == "reset":
            notify.reset_wording(template)
            flash(f"{template.name}: back to the default wording.", "success")
            return redirect(url_for("host.mail_template", template_id=template.id), 303)
        subject = request.form.get("subject", "")[:255]
        body = request.form.get("body", "")[:20000]
        try:
            notify.save_wording(template, subject, body, current_user())
        except notify.MailTemplateError as exc:
            error, status = str(exc), 422
        else:
            flash(f"{template.name} saved.", "success")
            return redirect(url_for("host.mail_template", template_id=template.id), 303)
    preview = None
    if error is None:
        try:
            preview = notify.check(subject, body, template.placeholders)
        except notify.MailTemplateError as exc:
            error = str(exc)
    return render_template(
        "host/mail_template.html",
        template=template,
        subject=subject,
        body=body,
        customised=customised,
        preview=preview,
        error=error,
    ), status
