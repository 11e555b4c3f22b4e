"""The small objects that addons hand to the host's pages.

UI hooks return lists of these; the host flattens the lists from every
enabled addon, sorts them by ``sequence`` then ``id``, and drops a duplicate
id (logging which addons clashed). ``url`` is a ready URL; ``endpoint`` with
``values`` is resolved with ``url_for`` when the page is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup

from host.urls import endpoint_url

Target = Literal["page", "dialog", "new_tab", "post"]


@dataclass(frozen=True, kw_only=True)
class _Action:
    id: str
    label: str
    url: str | None = None
    endpoint: str | None = None
    values: dict = field(default_factory=dict, hash=False, compare=False)
    icon: str = ""
    title: str = ""
    sequence: int = 10
    # "dialog" loads the URL into a modal, "post" submits a CSRF-protected
    # form, "new_tab" opens a browser tab.
    target: Target = "page"

    def __post_init__(self):
        if not self.id or not self.label:
            raise ValueError(f"{type(self).__name__} needs an id and a label")
        if (self.url is None) == (self.endpoint is None):
            raise ValueError(f"{type(self).__name__} {self.id!r}: give either url or endpoint")

    @property
    def href(self) -> str:
        if self.url is not None:
            return self.url
        return endpoint_url(self.endpoint, self.values)

    @property
    def tooltip(self) -> str:
        return self.title or self.label


@dataclass(frozen=True, kw_only=True)
class Button(_Action):
    """A button in a record's header (``Send by post``, ``Digitize``)."""


@dataclass(frozen=True, kw_only=True)
class FieldButton(_Action):
    """An icon button to the right of one field of a record (the SMS icon)."""

    field: str
    # Shown as the icon alone; ``label`` becomes the accessible name.
    icon_only: bool = True


@dataclass(frozen=True, kw_only=True)
class MenuItem(_Action):
    """An app tile on the home page and an entry in the top menu."""

    description: str = ""
    admin_only: bool = False


@dataclass(frozen=True, kw_only=True)
class BulkAction(_Action):
    """An action on the records selected in a list view.

    The host posts the selected ids as ``ids`` (or ``all=1`` with the current
    ``q`` search) to the URL.
    """


@dataclass(frozen=True, kw_only=True)
class MessageAction(_Action):
    """A button on one chatter message (``Retry``, ``Cancel letter``).

    ``message_id`` is the message it belongs to. It posts (CSRF-protected)
    by default; ``confirm`` asks the user first. ``target="page"`` makes it
    a link (``Buy credits``).
    """

    message_id: int
    confirm: str = ""
    target: Target = "post"


@dataclass(frozen=True, kw_only=True)
class SettingsBlock:
    """A block on the Settings page, in one section (``Contacts``, ``SMS``…).

    ``render`` is called with no arguments when the page is built and returns
    HTML (use ``render_template``). ``keywords`` feed the Settings search box
    in addition to the title.
    """

    id: str
    section: str
    title: str
    render: object
    keywords: tuple[str, ...] = ()
    sequence: int = 10
    admin_only: bool = True

    def html(self) -> Markup:
        return Markup(self.render())

    @property
    def search_text(self) -> str:
        return " ".join((self.section, self.title, *self.keywords)).lower()
