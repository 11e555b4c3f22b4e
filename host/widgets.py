"""Field widgets: live behaviour an addon attaches to a field of a host form.

The first kind is type-ahead: while the user types in a field, the browser
asks the addon's suggestion endpoint (``GET <url>?q=<text>&field=<name>``)
and lists what it answers; choosing a suggestion fills the form's fields with
its values, and asks before overwriting what the user typed. The form carries
the widget as data attributes on the input, read by the host's static
``widgets.js``: no inline script, so a strict Content-Security-Policy holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from flask import jsonify

from host.urls import endpoint_url

log = logging.getLogger(__name__)

Kind = Literal["autocomplete"]


@dataclass(frozen=True, kw_only=True)
class FieldWidget:
    """Type-ahead suggestions on one field of a record's form.

    ``url`` (or ``endpoint`` with ``values``) is the suggestion endpoint;
    ``min_chars`` characters must be typed before it is asked. ``label``
    names the list for screen readers ("Company suggestions"). ``when`` names
    a check box of the form (``is_company``): the widget suggests only while
    it is ticked. ``context`` names other fields of the form whose current
    values go with each query (``("country",)`` adds ``&country=BE``).
    """

    id: str
    field: str
    url: str | None = None
    endpoint: str | None = None
    values: dict = field(default_factory=dict, hash=False, compare=False)
    kind: Kind = "autocomplete"
    label: str = "Suggestions"
    min_chars: int = 3
    sequence: int = 10
    when: str = ""
    context: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "context", tuple(self.context))
        if {"q", "field"} & set(self.context):
            raise ValueError(f"FieldWidget {self.id!r}: q and field are the query's own names")
        if not self.id or not self.field:
            raise ValueError("FieldWidget needs an id and a field")
        if (self.url is None) == (self.endpoint is None):
            raise ValueError(f"FieldWidget {self.id!r}: give either url or endpoint")
        if self.kind != "autocomplete":
            raise ValueError(f"FieldWidget {self.id!r}: unknown kind {self.kind!r}")
        if self.min_chars < 1:
            raise ValueError(f"FieldWidget {self.id!r}: min_chars must be at least 1")

    @property
    def href(self) -> str:
        return self.url if self.url is not None else endpoint_url(self.endpoint, self.values)

    def attributes(self) -> dict:
        """The input's attributes (wtforms turns ``data_x`` into ``data-x``)."""
        extra = {}
        if self.when:
            extra["data_suggest_when"] = self.when
        if self.context:
            extra["data_suggest_with"] = ",".join(self.context)
        return {
            **extra,
            "data_widget": self.kind,
            "data_widget_id": self.id,
            "data_suggest_url": self.href,
            "data_suggest_min": str(self.min_chars),
            "data_suggest_label": self.label,
            "role": "combobox",
            "aria_autocomplete": "list",
            "aria_expanded": "false",
            "autocomplete": "off",
        }


def by_field(widgets: list[FieldWidget]) -> dict[str, FieldWidget]:
    """One widget per field: the first by sequence; the others are logged."""
    chosen: dict[str, FieldWidget] = {}
    for widget in widgets:
        if widget.field in chosen:
            log.error(
                "field widget %r dropped: field %r already has widget %r",
                widget.id,
                widget.field,
                chosen[widget.field].id,
            )
            continue
        chosen[widget.field] = widget
    return chosen


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    """One answer of a suggestion endpoint.

    ``values`` are the form fields it fills (``{"name": …, "vat": …}``).
    ``choose_url``, if given, is posted to (with the CSRF token) when the user
    picks the suggestion, and answers ``{"values": {…}}`` to fill, or
    ``{"error": "…"}`` to show: where a paid lookup happens, so that typing
    costs nothing and only a chosen company is charged. ``image`` (a logo's
    URL) or else ``initials`` (one or two letters) lead the row.
    """

    label: str
    values: dict = field(default_factory=dict, hash=False, compare=False)
    detail: str = ""
    choose_url: str | None = None
    image: str = ""
    initials: str = ""

    def as_json(self) -> dict:
        data = {"label": self.label, "detail": self.detail, "values": dict(self.values)}
        if self.choose_url:
            data["choose"] = self.choose_url
        if self.image:
            data["image"] = self.image
        if self.initials:
            data["initials"] = self.initials[:2]
        return data


def suggestions_response(suggestions: list[Suggestion], message: str = ""):
    """The JSON a suggestion endpoint answers:
    ``{"suggestions": [{"label", "detail", "values", "choose"?, "image"?,
    "initials"?}], "message"?}``."""
    data = {"suggestions": [s.as_json() for s in suggestions]}
    if message:
        data["message"] = message
    return jsonify(data)
