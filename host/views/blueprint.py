"""The host's blueprint, shared by the page modules beside this one."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

blueprint = Blueprint(
    "host",
    __name__,
    root_path=str(Path(__file__).resolve().parent.parent),
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/host",
)
