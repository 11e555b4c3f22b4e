"""The mail outbox."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, render_template

from host.models import MailAttachment, MailMessage
from host.security import admin_required
from host.views.blueprint import blueprint


@blueprint.route("/outbox")
@admin_required
def outbox():
    mails = list(MailMessage.select().order_by(MailMessage.id.desc()).limit(200))
    attachments = defaultdict(list)
    if mails:
        # Names only: the files themselves are read when one is opened.
        for row in MailAttachment.select(
            MailAttachment.id, MailAttachment.mail, MailAttachment.filename
        ).where(MailAttachment.mail.in_([m.id for m in mails])):
            attachments[row.mail_id].append(row)
    return render_template("host/outbox.html", mails=mails, attachments=attachments)


@blueprint.route("/outbox/attachments/<int:attachment_id>")
@admin_required
def outbox_attachment(attachment_id: int):
    attachment = MailAttachment.get_or_none(MailAttachment.id == attachment_id)
    if attachment is None:
        abort(404)
    safe = "".join(c for c in attachment.filename if c.isalnum() or c in "-_. ()")[:120]
    return (
        bytes(attachment.data),
        200,
        {
            "Content-Type": attachment.mimetype or "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{safe or "attachment"}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
