"""The chatter: a log of messages on any record, that addons post to.

A record is named by ``model`` (``"contact"``) and ``res_id``; passing the
record itself works when it has ``model_name`` and ``id``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import peewee

from host.access import owns
from host.db import utcnow
from host.models import Attachment, Contact, Message, User

# States an outgoing message goes through, with the icon shown beside it.
STATE_ICONS = {
    "": "",
    "in_queue": "⏳",
    "processing": "⚙️",
    "sent": "✔️",
    "delivered": "✅",
    "failed": "⚠️",
    "canceled": "🚫",
}
FINAL_STATES = frozenset({"", "delivered", "failed", "canceled"})


# Record types that have a chatter: model name -> peewee model. Addons add
# theirs on their manifest (``Manifest(chatter=...)``, registered by the host
# as the app is built) or with :func:`register_chatter_model` in ``init_app``.
_MODELS: dict[str, type] = {"contact": Contact}
_VISIBLE: dict[str, object] = {}


@dataclass(frozen=True)
class ChatterModel:
    """A record type with a chatter, declared on an addon's manifest.

    ``owner`` (a foreign key to the user, ``SignRequest.author``) with
    ``see_all`` (a group, ``"itsme_sign.manager"``) lets a user see only the
    records they own, unless they have that group; ``visible(record) -> bool``
    is a check of the addon's own instead. With neither, every user sees them.
    """

    name: str
    model: type
    owner: peewee.Field | None = None
    see_all: str = ""
    visible: Callable[[object], bool] | None = None

    def __post_init__(self):
        if (self.owner is None) != (not self.see_all):
            raise ValueError(f"chatter model {self.name!r}: give owner and see_all together")
        if self.owner is not None and self.visible is not None:
            raise ValueError(f"chatter model {self.name!r}: give owner or visible, not both")

    def register(self) -> None:
        register_chatter_model(self.name, self.model, visible=self.visible or self._owned())

    def _owned(self):
        if self.owner is None:
            return None
        column, see_all = self.owner.name, self.see_all
        return lambda record: owns(record.__data__.get(column), see_all=see_all)


def register_chatter_model(name: str, model: type, visible=None) -> None:
    """Let users post notes on records of ``model`` through the chatter.

    ``visible(record) -> bool``, when given, says whether the request's user
    may see the record (its access groups): the host's chatter and document
    views answer 404 for a record it refuses."""
    _MODELS[name] = model
    if visible is None:
        _VISIBLE.pop(name, None)
    else:
        _VISIBLE[name] = visible


def visible_to_user(model: str, record) -> bool:
    """Whether the request's user may see ``record`` (``register_chatter_model``'s
    ``visible``); always true outside a request (a job, a command)."""
    from flask import has_request_context

    check = _VISIBLE.get(model)
    return check is None or not has_request_context() or bool(check(record))


def model_class(model: str) -> type | None:
    """The peewee model of a record type registered here, or ``None``."""
    return _MODELS.get(model)


def record_exists(model: str, res_id: int) -> bool:
    """Whether the record exists and the request's user may see it."""
    table = _MODELS.get(model)
    if table is None:
        return False
    record = table.get_or_none(table.id == res_id)
    return record is not None and visible_to_user(model, record)


def _target(record, model, res_id):
    if record is not None:
        return record.model_name, record.id
    if model is None or res_id is None:
        raise ValueError("post_message needs a record, or model and res_id")
    return model, int(res_id)


def post_message(
    record=None,
    body: str = "",
    *,
    model: str | None = None,
    res_id: int | None = None,
    kind: str = "note",
    author: User | None = None,
    state: str = "",
    state_detail: str = "",
    meta: dict | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> Message:
    """Log ``body`` on a record. ``attachments`` are ``(filename, mimetype, data)``."""
    model, res_id = _target(record, model, res_id)
    if state not in STATE_ICONS:
        raise ValueError(f"unknown message state {state!r}")
    message = Message.create(
        model=model,
        res_id=res_id,
        author=author,
        body=body,
        kind=kind,
        state=state,
        state_detail=state_detail,
        meta=json.dumps(meta or {}),
        created_at=utcnow(),
    )
    for filename, mimetype, data in attachments:
        Attachment.create(
            model=model,
            res_id=res_id,
            message=message,
            filename=filename,
            mimetype=mimetype,
            size=len(data),
            data=data,
        )
    return message


_COLUMNS = ("model", "res_id", "author_id", "body", "kind", "state", "state_detail", "meta")
_GROUP = 500


def post_messages(entries) -> list[tuple[int, str, int]]:
    """Log many messages at once (a mass send logging in each recipient's
    chatter): ``entries`` are dicts with :func:`post_message`'s keyword
    arguments, ``model`` and ``res_id`` required (no ``record``, no
    attachments). Returns ``(id, model, res_id)`` of each new message, in no
    particular order; one statement per 500 messages, with no SQL built per
    message."""
    from host.db import db, is_postgres

    now = utcnow() if is_postgres() else utcnow().isoformat(" ")  # as peewee writes it
    rows = []
    for entry in entries:
        state = entry.get("state", "")
        if state not in STATE_ICONS:
            raise ValueError(f"unknown message state {state!r}")
        author = entry.get("author")
        rows.append(
            (
                entry["model"],
                int(entry["res_id"]),
                getattr(author, "id", author),
                entry.get("body", ""),
                entry.get("kind", "note"),
                state,
                entry.get("state_detail", "")[:255],
                json.dumps(entry.get("meta") or {}),
            )
        )
    created = []
    placeholder = f"({', '.join([db.param] * (len(_COLUMNS) + 1))})"
    table = Message._meta.table_name
    columns = ", ".join((*_COLUMNS, "created_at"))
    for start in range(0, len(rows), _GROUP):
        group = rows[start : start + _GROUP]
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(group))} "
            "RETURNING id, model, res_id"
        )
        params = [value for row in group for value in (*row, now)]
        created += db.execute_sql(sql, params).fetchall()
    return created


def set_message_state(message_id: int, state: str, detail: str = "") -> None:
    if state not in STATE_ICONS:
        raise ValueError(f"unknown message state {state!r}")
    Message.update(state=state, state_detail=detail[:255]).where(Message.id == message_id).execute()


def set_messages_state(message_ids, state: str, detail: str = "") -> int:
    """Move several messages to ``state`` in one statement (mass sends)."""
    if state not in STATE_ICONS:
        raise ValueError(f"unknown message state {state!r}")
    ids = [i for i in message_ids if i]
    if not ids:
        return 0
    return (
        Message.update(state=state, state_detail=detail[:255]).where(Message.id.in_(ids)).execute()
    )


def delete_chatter(model: str, res_ids) -> int:
    """Delete the messages and attachments of the records ``res_ids`` of
    ``model``, in the caller's transaction, as the records themselves go;
    returns how many messages went. Kept, they would stay for ever,
    attached to nothing, and show on the next record given one of those ids
    (SQLite reuses the largest, unless the table has ``AUTOINCREMENT``)."""
    deleted = 0
    # 500 ids a statement: an IN list binds each one.
    for chunk in peewee.chunked(res_ids, 500):
        Attachment.delete().where(
            (Attachment.model == model) & Attachment.res_id.in_(chunk)
        ).execute()
        deleted += (
            Message.delete().where((Message.model == model) & Message.res_id.in_(chunk)).execute()
        )
    return deleted


def messages_for(model: str, res_id: int) -> list[Message]:
    """A record's messages, newest first, with their authors and the names of
    their attachments (not the files' bytes) in three queries in all."""
    query = (
        Message.select(Message, User)
        .join(User, peewee.JOIN.LEFT_OUTER, on=(Message.author == User.id))
        .where((Message.model == model) & (Message.res_id == res_id))
        .order_by(Message.created_at.desc(), Message.id.desc())
    )
    files = Attachment.select(
        Attachment.id, Attachment.message, Attachment.filename, Attachment.mimetype, Attachment.size
    )
    return list(peewee.prefetch(query, files))
