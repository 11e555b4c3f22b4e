"""Mail to people who are not users (signers, letter recipients), from templates
that administrators can reword.

An addon declares its templates with the ``mail_templates`` hook: a key, the
default subject and body, and the placeholders the body may use with sample
values for the preview. :func:`send_mail_template` renders the administrator's
wording (or the default) and queues it in the host's mail outbox
(:func:`host.send_mail`). Templates are plain text with ``{{ placeholders }}``;
the HTML part is the same text escaped as a whole, so neither a value nor the
wording can inject markup, and web addresses become links.
"""

from __future__ import annotations

import logging

from host.db import utcnow
from host.hookcalls import hooks
from host.mail import send_mail
from host.mail_wording import MailTemplate, MailTemplateError, check, render
from host.models import MailMessage, MailTemplateText, User

__all__ = [
    "MailTemplate",
    "MailTemplateError",
    "check",
    "get_template",
    "render",
    "reset_wording",
    "save_wording",
    "send_mail_template",
    "templates",
    "wording",
]

log = logging.getLogger(__name__)


def templates() -> dict[str, MailTemplate]:
    """The templates of the enabled addons, by id."""
    return {t.id: t for t in hooks().mail_templates()}


def get_template(template_id: str) -> MailTemplate:
    template = templates().get(template_id)
    if template is None:
        raise LookupError(f"no enabled addon declares the mail template {template_id!r}")
    return template


def wording(template: MailTemplate) -> tuple[str, str, bool]:
    """``(subject, body, customised)``: the administrator's text, else the default."""
    row = MailTemplateText.get_or_none(MailTemplateText.key == template.id)
    if row is None:
        return template.subject, template.body, False
    return row.subject, row.body, True


def save_wording(template: MailTemplate, subject: str, body: str, user: User | None) -> None:
    check(subject, body, template.placeholders)
    MailTemplateText.insert(
        key=template.id, subject=subject, body=body, updated_by=user
    ).on_conflict(
        conflict_target=[MailTemplateText.key],
        update={
            MailTemplateText.subject: subject,
            MailTemplateText.body: body,
            MailTemplateText.updated_by: user,
            MailTemplateText.updated_at: utcnow(),
        },
    ).execute()


def reset_wording(template: MailTemplate) -> None:
    MailTemplateText.delete().where(MailTemplateText.key == template.id).execute()


def send_mail_template(template_id: str, to: str, values: dict, attachments=()) -> MailMessage:
    """Render a declared template with ``values`` and queue it to ``to``, who
    need not be a user, with ``attachments`` (``(filename, mimetype, data)``).
    Raises ``LookupError`` for a template no enabled addon declares, and
    :class:`MailTemplateError` when ``values`` lack a placeholder the wording
    uses."""
    template = get_template(template_id)
    subject, body, customised = wording(template)
    try:
        mail = render(subject, body, values)
    except MailTemplateError as exc:
        if not customised:
            raise
        # The mail still goes out, in the words the addon was tested with.
        log.error("mail template %s: the administrator's wording failed (%s)", template.id, exc)
        mail = render(template.subject, template.body, values)
    return send_mail(to, mail.subject, mail.body, html=mail.html, attachments=attachments)
