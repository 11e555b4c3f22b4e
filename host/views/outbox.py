"""The mail outbox."""

from __future__ import annotations

from flask import render_template

from host.models import MailMessage
from host.security import admin_required
from host.views.blueprint import blueprint


@blueprint.route("/outbox")
@admin_required
def outbox():
    mails = MailMessage.select().order_by(MailMessage.id.desc()).limit(200)
    return render_template("host/outbox.html", mails=mails)
