"""Login and logout."""

from __future__ import annotations

import functools
import secrets

from flask import redirect, render_template, request, url_for
from peewee import fn
from werkzeug.security import generate_password_hash

from host import throttling
from host.forms import LoginForm
from host.local_path import local_path
from host.models import User
from host.security import login_user, logout_user, public
from host.views.blueprint import blueprint


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm(request.form)
    error = None
    if request.method == "POST":
        user = None
        email = (form.email.data or "").strip().lower()[:254]
        attempt = throttling.reserve(email, request.remote_addr or "")
        if attempt.wait:
            error = throttling.wait_message(attempt.wait)
            page = render_template("host/login.html", form=form, error=error)
            return page, 429, {"Retry-After": str(attempt.wait)}
        if form.validate():
            user = User.get_or_none(fn.LOWER(User.email) == form.email.data.strip().lower())
            if user is None or not user.active:
                # Check a password anyway, so the delay does not tell which emails exist.
                user = None
                User(password_hash=_decoy_hash()).check_password(form.password.data)
        if user is not None and user.check_password(form.password.data):
            throttling.succeeded(attempt)
            login_user(user)
            return redirect(local_path(request.args.get("next")) or url_for("host.home"))
        # Never say which of the two was wrong. The reserved attempt stays as a failure.
        error = "Wrong email or password."
    return render_template("host/login.html", form=form, error=error), (401 if error else 200)


@functools.cache
def _decoy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


@blueprint.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("host.login"))
