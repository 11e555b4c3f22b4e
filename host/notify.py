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
import re
from dataclasses import dataclass, field

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from host.db import utcnow
from host.mail import send_mail
from host.models import MailMessage, MailTemplateText, User

log = logging.getLogger(__name__)
_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
_LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
# Admins edit the wording: the sandbox keeps a template from reaching Python's
# internals, StrictUndefined makes a misspelt placeholder an error, not a blank.
_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


class MailTemplateError(ValueError):
    """A wording that does not render: bad syntax or an unknown placeholder."""


@dataclass(frozen=True, kw_only=True)
class MailTemplate:
    """A mail an addon sends, with its default wording.

    ``id`` is ``<addon>.<name>`` (``sign.request``). ``placeholders`` maps
    each name the wording may use to a sample value for the preview and the
    check made when an administrator saves a new wording.
    """

    id: str
    name: str
    subject: str
    body: str
    description: str = ""
    placeholders: dict = field(default_factory=dict, hash=False, compare=False)
    sequence: int = 10

    def __post_init__(self):
        if not _KEY.match(self.id):
            raise ValueError(f"mail template id {self.id!r}: write it <addon>.<name>")
        check(self.subject, self.body, self.placeholders)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str
    html: str


def templates() -> dict[str, MailTemplate]:
    """The templates of the enabled addons, by id."""
    from host.hookcalls import hooks

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


def render(subject: str, body: str, values: dict) -> RenderedMail:
    try:
        text = _ENV.from_string(body).render(values)
        title = _ENV.from_string(subject).render(values)
    except UndefinedError as exc:
        raise MailTemplateError(f"Unknown placeholder: {_sentence(exc.message)}") from exc
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        message = _sentence(exc.message)
        raise MailTemplateError(f"The template does not read{where}: {message}") from exc
    # A line break in a subject would start a new mail header.
    title = " ".join(title.split())
    return RenderedMail(title, text, to_html(text))


def _sentence(text: str | None) -> str:
    text = (text or "unknown error").strip()
    return text if text.endswith(".") else text + "."


def to_html(text: str) -> str:
    """Plain text as HTML: everything escaped, paragraphs kept, links clickable."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = str(escape(block))
        linked = _LINK.sub(lambda m: f'<a href="{m[0]}">{m[0]}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(paragraphs))


def check(subject: str, body: str, placeholders: dict) -> RenderedMail:
    """Render with the sample values; raises :class:`MailTemplateError`."""
    if not subject.strip():
        raise MailTemplateError("A mail needs a subject.")
    if not body.strip():
        raise MailTemplateError("A mail needs a body.")
    return render(subject, body, dict(placeholders))


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
