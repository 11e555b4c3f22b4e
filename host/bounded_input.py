"""Integers from URLs kept to what the database can hold.

A number beyond a 64-bit integer in a path (``/contacts/<int:id>``) or read
with ``request.args.get("page", type=int)`` made peewee's driver overflow
(500). Installed on the app, so every addon's routes inherit it: such a path
matches no route (404) and such a parameter reads as its default.
"""

from __future__ import annotations

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

INT64_MAX = 2**63 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` refusing values a BIGINT column cannot hold."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", INT64_MAX)
        super().__init__(map, *args, **kwargs)


class BoundedArgs(ImmutableMultiDict):
    """Query string and form values: ``get(..., type=int)`` gives the default
    for an integer out of the 64-bit range, as for one that does not parse."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not -INT64_MAX - 1 <= value <= INT64_MAX:
            return default
        return value


class HostRequest(Request):
    parameter_storage_class = BoundedArgs


def install(app: Flask) -> None:
    """Before any route is added: rules pick their converter when added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = HostRequest
