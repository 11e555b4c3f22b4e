"""Statements over a list of values, compiled once (see ``host.Prepared``)."""

from __future__ import annotations

import datetime as dt
import re

from host import P, Prepared, is_postgres

_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def named(sql: str, params: dict) -> tuple[str, dict]:
    """``(sql, params)`` for ``db.execute_sql``: ``sql`` is written with
    ``:name`` placeholders, which PostgreSQL's driver spells ``%(name)s``
    (a ``::type`` cast is left alone)."""
    return (_NAMED.sub(r"%(\1)s", sql) if is_postgres() else sql), params


def stamp(when: dt.datetime) -> dt.datetime | str:
    """``when`` as a statement parameter: on SQLite the text sqlite3 would write
    for it (and peewee reads back), made once for the rows of an ``executemany``
    rather than once per row."""
    return when if is_postgres() else when.isoformat(" ")


class ByIds:
    """A statement over ``id IN (…)`` for a list of ids, compiled once per
    power-of-two length (the list is padded with its last id), so a group of
    500 messages costs no SQL building. ``build(ids)`` gets the placeholders."""

    def __init__(self, build):
        self.build = build
        self._by_size: dict[int, Prepared] = {}

    def run(self, ids: list, **params):
        size = 1 << (len(ids) - 1).bit_length()
        prepared = self._by_size.get(size)
        if prepared is None:
            names = [getattr(P, f"i{k}") for k in range(size)]
            prepared = self._by_size[size] = Prepared(lambda: self.build(names))
        last = ids[-1]
        for k in range(size):
            params[f"i{k}"] = ids[k] if k < len(ids) else last
        return prepared.run(**params)
