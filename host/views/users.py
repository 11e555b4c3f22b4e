"""The Users page, and each user's access groups."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from peewee import fn

from host import access
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
    rows = list(User.select().order_by(User.email))
    manifests = access.addon_groups()
    levels = {user.id: access.user_levels(user) for user in rows}
    return render_template(
        "host/users.html", users=rows, form=form, manifests=manifests, levels=levels
    ), status


@blueprint.route("/users/<int:user_id>/access", methods=["GET", "POST"])
@admin_required
def user_access(user_id: int):
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404, description="This user does not exist.")
    manifests = access.addon_groups()
    errors: dict[str, str] = {}
    if request.method == "POST" and not user.is_admin:
        chosen = {name: request.form.get(f"group-{name}", "") for name in manifests}
        for name, key in chosen.items():
            if key and key not in [g.key for g in manifests[name].groups]:
                errors[name] = f"{key[:40]!r} is not a group of {manifests[name].title}."
        if not errors:
            for name, key in chosen.items():
                access.set_group(user, name, key)
            flash(f"Access rights of {user.email} saved.", "success")
            return redirect(url_for("host.users"))
    levels = access.user_levels(user)
    status = 422 if errors else 200
    return render_template(
        "host/user_access.html", user=user, manifests=manifests, levels=levels, errors=errors
    ), status
