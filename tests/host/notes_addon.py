"""Team Notes: a small addon with access groups, written from docs/api.md.
A User sees and deletes their own notes; a Manager sees everyone's and
pins them."""

from __future__ import annotations

import peewee
from flask import Blueprint, jsonify, redirect, request, url_for

from host import (
    BaseModel,
    Button,
    ChatterModel,
    Group,
    Manifest,
    MenuItem,
    User,
    check_owner,
    group_required,
    hookimpl,
    own_records,
    state_list,
)

blueprint = Blueprint("notes", __name__)


class TeamNote(BaseModel):
    text = peewee.CharField(default="")
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    pinned = peewee.BooleanField(default=False)
    state = peewee.CharField(default="open")  # open, waiting, done

    class Meta:
        table_name = "notes_note"


manifest = Manifest(
    name="notes",
    title="Team Notes",
    summary="Notes of a team.",
    groups=(
        Group("user", "User", "Sees and deletes their own notes"),
        Group("manager", "Manager", "Sees everyone's notes and pins them"),
    ),
    default_group="user",
    # Its chatter follows its access groups, as its own pages do.
    chatter=(ChatterModel("notes.note", TeamNote, owner=TeamNote.author, see_all="notes.manager"),),
)


def _note(note_id: int) -> TeamNote:
    note = TeamNote.get_or_none(TeamNote.id == note_id)
    if note is None:
        from flask import abort

        abort(404)
    check_owner(note.author_id, see_all="notes.manager")
    return note


@blueprint.route("/")
def index():
    notes = own_records(TeamNote.select(), TeamNote.author, see_all="notes.manager")
    return "\n".join(f"note:{n.text}" for n in notes.order_by(TeamNote.id))


@blueprint.route("/tabs")
def tabs():
    """The notes by state, as a state-filtered list page would show them."""
    listed = state_list(
        own_records(TeamNote.select(), TeamNote.author, see_all="notes.manager"),
        TeamNote.state,
        {"all": None, "todo": ("open", "waiting"), "done": ("done",)},
        order_by=(TeamNote.id,),
        per_page=2,
        search=TeamNote.text.contains("x") if "x" in request.args else None,
    )
    return jsonify(
        state=listed.state,
        notes=[n.text for n in listed.rows],
        counts=listed.counts,
        page=listed.page,
        pages=listed.pages,
        total=listed.total,
    )


@blueprint.route("/<int:note_id>")
def show(note_id: int):
    return f"note:{_note(note_id).text}"


@blueprint.route("/<int:note_id>/delete", methods=["POST"])
def delete(note_id: int):
    _note(note_id).delete_instance()
    return redirect(url_for("notes.index"))


@blueprint.route("/<int:note_id>/pin", methods=["POST"])
@group_required("notes.manager")
def pin(note_id: int):
    TeamNote.update(pinned=True).where(TeamNote.id == note_id).execute()
    return redirect(url_for("notes.index"))


@hookimpl
def register_models():
    return [TeamNote]


@hookimpl
def register_blueprints():
    return [blueprint]


@hookimpl
def menu_items(user):
    return [MenuItem(id="notes", label="Team Notes", endpoint="notes.index")]


@hookimpl
def record_header_buttons(model, record):
    if model != "contact":
        return []
    return [
        Button(id="notes-list", label="Team notes", endpoint="notes.index"),
        Button(id="notes-pin", label="Pin a note", endpoint="notes.pin", values={"note_id": 1}),
    ]
