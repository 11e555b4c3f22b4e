"""A list page filtered by state: the chosen tab, the count behind every tab
and one page of rows, from the records the user may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app, request
from peewee import SQL, fn


@dataclass(frozen=True)
class StateList:
    """What a state-filtered list page shows (see :func:`state_list`)."""

    state: str  # the chosen filter's key
    rows: list
    counts: dict[str, int]  # every filter's key -> the visible records it shows
    page: int  # 1-based, within 1..pages
    pages: int
    total: int  # the rows of the chosen filter (and search), on every page


def state_list(
    visible,
    state_field,
    filters: Mapping[str, tuple[str, ...] | None],
    *,
    order_by: tuple = (),
    per_page: int | None = None,
    search=None,
) -> StateList:
    """One page of ``visible`` (a query already limited to what the user may
    see) under the filter named by the request's ``state`` argument (the first
    key of ``filters`` when missing or unknown) and its ``page`` argument.

    ``filters`` maps a key to the states it shows (``None``: all of them).
    ``counts`` is counted from ``visible`` in one grouped query, so a tab never
    counts another user's records. ``search`` (a peewee expression) narrows the
    rows and ``total`` but not the tabs' counts.
    """
    keys = list(filters)
    state = request.args.get("state", keys[0])
    if state not in filters:
        state = keys[0]
    counts = _counts(visible, state_field, filters)
    query = visible
    if filters[state] is not None:
        query = query.where(state_field.in_(list(filters[state])))
    if search is not None:
        query = query.where(search)
    total = query.count() if search is not None else counts[state]
    size = per_page or current_app.config["HOST_PAGE_SIZE"]
    pages = max((total + size - 1) // size, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = list(query.order_by(*order_by).paginate(page, size))
    return StateList(state=state, rows=rows, counts=counts, page=page, pages=pages, total=total)


def _counts(visible, state_field, filters) -> dict[str, int]:
    by_state = dict(
        visible.select(state_field, fn.COUNT(SQL("*"))).order_by().group_by(state_field).tuples()
    )
    return {
        key: sum(n for s, n in by_state.items() if states is None or s in states)
        for key, states in filters.items()
    }
