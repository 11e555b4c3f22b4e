"""A character counter under the contact page's chatter box: a script and a
stylesheet added to a page of the host, as files (no inline code)."""

from flask import Blueprint

from host import Manifest, PageAsset, hookimpl

manifest = Manifest(name="charcount", title="Character Count", summary="Counts a note's length.")

# The files live in ./static and are served at /charcount/static/<file>.
blueprint = Blueprint("charcount", __name__, static_folder="static")


@hookimpl
def register_blueprints():
    return [blueprint]


@hookimpl
def page_assets(endpoint):
    if endpoint != "host.contact":
        return []
    return [
        PageAsset(id="charcount-css", static="charcount.static", filename="charcount.css"),
        PageAsset(id="charcount-js", static="charcount.static", filename="charcount.js"),
    ]
