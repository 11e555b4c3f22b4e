"""The host's pages: login, home, contacts, chatter, apps, settings, outbox, users."""

from __future__ import annotations

import functools
import io
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from peewee import SQL, fn
from werkzeug.security import generate_password_hash

from host import chatter, throttling
from host.db import db, utcnow
from host.forms import CompanyForm, ContactForm, LoginForm, UserForm, country_name
from host.manifest import AddonError
from host.models import Attachment, Contact, MailMessage, Setting, User
from host.plugins import notify_saved, registry
from host.security import admin_required, current_user, login_user, logout_user, public

blueprint = Blueprint(
    "host",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/host",
)

CONTACT_FIELDS = (
    "name",
    "company_name",
    "is_company",
    "email",
    "phone",
    "mobile",
    "street",
    "street2",
    "city",
    "zip",
    "country",
    "vat",
    "website",
)


# -- login -----------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm(request.form)
    error = None
    if request.method == "POST":
        user = None
        email = (form.email.data or "").strip().lower()[:254]
        if throttling.locked_out(email, request.remote_addr or ""):
            minutes = throttling.WINDOW_MINUTES
            error = (
                f"Too many failed attempts. Try again in {minutes} minutes, "
                "or ask an administrator to reset your password."
            )
            return render_template("host/login.html", form=form, error=error), 429
        if form.validate():
            user = User.get_or_none(fn.LOWER(User.email) == form.email.data.strip().lower())
            if user is None or not user.active:
                # Check a password anyway, so the delay does not tell which emails exist.
                user = None
                User(password_hash=_decoy_hash()).check_password(form.password.data)
        if user is not None and user.check_password(form.password.data):
            throttling.forget(email)
            login_user(user)
            target = request.args.get("next", "")
            # Only local paths: an open redirect would help phishing. Browsers read
            # a backslash as a slash and drop tabs and newlines, so refuse those too.
            if (
                not target.startswith("/")
                or target.startswith(("//", "/\\"))
                or not target.isprintable()
            ):
                target = url_for("host.home")
            return redirect(target)
        # Never say which of the two was wrong.
        throttling.record(email, request.remote_addr or "")
        error = "Wrong email or password."
    return render_template("host/login.html", form=form, error=error), (401 if error else 200)


@functools.cache
def _decoy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


@blueprint.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("host.login"))


@blueprint.route("/")
def home():
    return render_template("host/home.html")


# -- contacts --------------------------------------------------------------


def contact_query(q: str):
    query = Contact.select()
    if q:
        # ``contains`` escapes % and _, which are plain text in a search box.
        query = query.where(
            Contact.name.contains(q)
            | Contact.company_name.contains(q)
            | Contact.email.contains(q)
            | Contact.phone.contains(q)
            | Contact.mobile.contains(q)
            | Contact.city.contains(q)
        )
    return query


def selected_contacts():
    """The contacts a bulk action applies to: ``ids`` or ``all=1`` with ``q``.

    Public for addons' bulk actions on contacts."""
    source = request.values
    if source.get("all") == "1":
        return contact_query(source.get("q", "").strip()).order_by(Contact.name)
    ids = {int(i) for i in source.getlist("ids") if i.isdecimal() and len(i) <= 18}
    # Inlined rather than bound: they are integers, and binding ten thousand
    # parameters costs peewee some 50 ms to build the statement.
    listed = SQL(f"({', '.join(map(str, sorted(ids)))})") if ids else []
    return Contact.select().where(Contact.id.in_(listed)).order_by(Contact.name)


@blueprint.route("/contacts")
def contacts():
    q = request.args.get("q", "").strip()[:100]
    page = max(request.args.get("page", 1, type=int), 1)
    size = current_app.config["HOST_PAGE_SIZE"]
    query = contact_query(q)
    total = query.count()
    rows = query.order_by(Contact.name, Contact.id).paginate(page, size)
    actions = registry().collect("list_bulk_actions", model="contact")
    return render_template(
        "host/contacts.html",
        contacts=rows,
        q=q,
        page=page,
        total=total,
        pages=max((total + size - 1) // size, 1),
        actions=actions,
        country_name=country_name,
    )


@blueprint.route("/contacts/new", methods=["GET", "POST"])
def contact_new():
    return _contact_form(Contact())


@blueprint.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
def contact(contact_id: int):
    record = Contact.get_or_none(Contact.id == contact_id)
    if record is None:
        abort(404, description="This contact does not exist (any more).")
    return _contact_form(record)


def _contact_form(record: Contact):
    if request.method == "POST":
        form = ContactForm(request.form)
        if form.validate():
            with db.atomic():
                for name in CONTACT_FIELDS:
                    value = getattr(form, name).data
                    if value is None:  # a field missing from the post, not an empty one
                        value = ""
                    setattr(record, name, value.strip() if isinstance(value, str) else value)
                record.updated_at = utcnow()
                created = record.id is None
                record.save()
                chatter.post_message(
                    record,
                    "Contact created." if created else "Contact updated.",
                    kind="log",
                    author=current_user(),
                )
            notify_saved("contact", [record.id])
            flash(f"{record.name} saved.", "success")
            return redirect(url_for("host.contact", contact_id=record.id))
        status = 422
    else:
        form = ContactForm(obj=record) if record.id else ContactForm()
        status = 200
    buttons, header = {}, []
    if record.id:
        reg = registry()
        for button in reg.collect("record_field_buttons", model="contact", record=record):
            buttons.setdefault(button.field, []).append(button)
        header = reg.collect("record_header_buttons", model="contact", record=record)
    return render_template(
        "host/contact_form.html",
        form=form,
        record=record,
        field_buttons=buttons,
        header_buttons=header,
        messages=chatter.messages_for("contact", record.id) if record.id else [],
    ), status


@blueprint.route("/contacts/<int:contact_id>/delete", methods=["POST"])
def contact_delete(contact_id: int):
    record = Contact.get_or_none(Contact.id == contact_id)
    if record is None:
        abort(404)
    record.delete_instance()
    flash(f"{record.name} deleted.", "success")
    return redirect(url_for("host.contacts"))


# -- chatter ---------------------------------------------------------------


@blueprint.route("/chatter/<model>/<int:res_id>", methods=["GET", "POST"])
def chatter_thread(model: str, res_id: int):
    if not chatter.record_exists(model, res_id):
        abort(404, description="This record does not exist.")
    if request.method == "POST":
        body = request.form.get("body", "").strip()
        if not body:
            abort(400, description="Write something before posting a note.")
        if len(body) > 10000:
            abort(400, description="A note holds at most 10,000 characters.")
        chatter.post_message(
            model=model, res_id=res_id, body=body, kind="note", author=current_user()
        )
        if request.headers.get("X-Requested-With") != "fetch":
            return redirect(request.referrer or url_for("host.home"))
    return render_template(
        "host/chatter_messages.html", messages=chatter.messages_for(model, res_id)
    )


# Types a browser shows without running anything; others (HTML, SVG) are downloaded.
INLINE_MIMETYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
)


@blueprint.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    row = Attachment.get_or_none(Attachment.id == attachment_id)
    if row is None:
        abort(404)
    # send_file quotes the name and encodes non-ASCII; a newline would still break the header.
    name = "".join(c for c in row.filename if c.isprintable()) or "attachment"
    inline = row.mimetype.split(";")[0].strip().lower() in INLINE_MIMETYPES
    response = send_file(
        io.BytesIO(bytes(row.data)),
        mimetype=row.mimetype,
        as_attachment=not inline,
        download_name=name,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- apps ------------------------------------------------------------------


@blueprint.route("/apps")
@admin_required
def apps():
    reg = registry()
    addons = sorted(
        (a for a in reg.addons.values() if not a.core),
        key=lambda a: (a.manifest.title if a.manifest else a.name).lower(),
    )
    return render_template(
        "host/apps.html", addons=addons, enabled=reg.enabled_names(), hooks_of=reg.hooks_of
    )


@blueprint.route("/apps/<name>/<any(enable, disable):action>", methods=["POST"])
@admin_required
def app_action(name: str, action: str):
    reg = registry()
    try:
        if action == "enable":
            names = reg.enable(name)
            titles = ", ".join(reg.get(n).manifest.title for n in names) or name
            flash(f"Enabled {titles}.", "success")
        else:
            reg.disable(name)
            flash(f"Disabled {reg.get(name).manifest.title}.", "success")
    except AddonError as exc:
        flash(str(exc), "error")
        return redirect(url_for("host.apps")), 303
    return redirect(url_for("host.apps"))


# -- settings --------------------------------------------------------------


@blueprint.route("/settings")
@admin_required
def settings():
    blocks = registry().collect("settings_blocks")
    sections: dict[str, list] = {}
    for block in blocks:
        sections.setdefault(block.section, []).append(block)
    return render_template("host/settings.html", sections=sections)


@blueprint.route("/settings/company", methods=["POST"])
@admin_required
def settings_company():
    form = CompanyForm(request.form)
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("host.settings"))
    with db.atomic():
        Setting.write("company_name", form.company_name.data.strip())
        Setting.write("company_country", form.country.data)
    flash("Company settings saved.", "success")
    return redirect(url_for("host.settings"))


# -- outbox and users ------------------------------------------------------


@blueprint.route("/outbox")
@admin_required
def outbox():
    mails = MailMessage.select().order_by(MailMessage.id.desc()).limit(200)
    return render_template("host/outbox.html", mails=mails)


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


@blueprint.route("/healthz")
@public
def healthz():
    db.execute_sql("SELECT 1")
    return jsonify(status="ok")
