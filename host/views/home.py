"""The home page and the health check."""

from __future__ import annotations

from flask import jsonify, render_template

from host.db import db
from host.security import public
from host.views.blueprint import blueprint


@blueprint.route("/")
def home():
    return render_template("host/home.html")


@blueprint.route("/healthz")
@public
def healthz():
    db.execute_sql("SELECT 1")
    return jsonify(status="ok")
