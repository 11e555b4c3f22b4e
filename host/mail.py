"""Outgoing mail: stored first, then delivered by a job.

With ``MAIL_SERVER`` set, mails go over SMTP through flask-mail; a server that
is down delays a mail with growing back-off, never loses it. Without one, the
mail stays in the Outbox, where admins read it.
"""

from __future__ import annotations

import smtplib

from flask import current_app
from flask_mail import Mail
from flask_mail import Message as MailEnvelope

from host.db import db, utcnow
from host.jobs import RetryTask, job
from host.models import MailAttachment, MailMessage

MAX_BACKOFF = 3600


def init_mail(app) -> None:
    Mail(app)


def send_mail(to: str, subject: str, body: str, html: str = "", attachments=()) -> MailMessage:
    """Queue a mail; ``attachments`` are ``(filename, mimetype, data)`` tuples."""
    with db.atomic():
        mail = MailMessage.create(to=to, subject=subject, body=body, html=html)
        for filename, mimetype, data in attachments:
            MailAttachment.create(
                mail=mail, filename=filename[:255], mimetype=mimetype, data=bytes(data)
            )
        deliver_mail.delay(mail.id)
    return mail


@job(name="host.deliver_mail")
def deliver_mail(mail_id: int) -> str:
    mail = MailMessage.get_or_none(MailMessage.id == mail_id)
    if mail is None or mail.state == "sent":
        return "gone"
    if not current_app.config.get("MAIL_SERVER"):
        mail.state = "outbox"
        mail.save()
        return "outbox"
    envelope = MailEnvelope(
        subject=mail.subject, recipients=[mail.to], body=mail.body, html=mail.html or None
    )
    for attachment in MailAttachment.select().where(MailAttachment.mail == mail.id):
        envelope.attach(attachment.filename, attachment.mimetype, bytes(attachment.data))
    try:
        current_app.extensions["mail"].send(envelope)
    except (OSError, smtplib.SMTPException) as exc:
        attempts = mail.attempts + 1
        MailMessage.update(attempts=attempts, last_error=str(exc)[:255]).where(
            MailMessage.id == mail.id
        ).execute()
        delay = min(5 * 2**attempts, MAX_BACKOFF)
        raise RetryTask(f"mail {mail.id} not sent yet", delay=delay) from None
    MailMessage.update(state="sent", sent_at=utcnow(), attempts=mail.attempts + 1).where(
        MailMessage.id == mail.id
    ).execute()
    return "sent"
