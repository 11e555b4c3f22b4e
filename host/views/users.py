"""The Users page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from peewee import fn

from host.forms import UserForm
from host.models import User
from host.security import admin_required
from host.views.blueprint import blueprint


@blueprint.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    form = UserForm(request.form)
    status = 200
    if request.method == "POST":
        if form.validate():
            email = form.email.data.strip().lower()
            if User.select().where(fn.LOWER(User.email) == email).exists():
                form.email.errors.append("A user with this email exists already.")
                status = 422
            else:
                user = User(email=email, name=form.name.data.strip(), is_admin=form.is_admin.data)
                user.set_password(form.password.data)
                user.save()
                flash(f"User {user.email} created.", "success")
                return redirect(url_for("host.users"))
        else:
            status = 422
    rows = User.select().order_by(User.email)
    return render_template("host/users.html", users=rows, form=form), status
