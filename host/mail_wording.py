"""The wording of a mail template (``host.notify``): the :class:`MailTemplate`
an addon declares, and how a wording is checked and rendered. A leaf module,
so the hook facade (``host.hookcalls``) can check what addons return without
importing the outbox that calls it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

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
