"""Contacts: list, form, delete, and the selection a bulk action applies to.

Contacts are shared, as Odoo's ``res.partner`` is: every logged-in user
lists, opens, creates, edits and deletes every contact, whoever made it, and
reads and writes its chatter. They belong to no app, so no access group
guards them. What the apps do with a contact is guarded by the app:
another user's SMS, letters or documents about the same contact stay theirs.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from peewee import SQL

from host import chatter
from host.contact_deletion import ContactInUse, delete_contacts
from host.db import db, utcnow
from host.forms import ContactForm, country_name
from host.hookcalls import hooks
from host.models import Contact
from host.plugins import notify_saved
from host.security import current_user
from host.views.blueprint import blueprint
from host.widgets import by_field

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
    actions = hooks().list_bulk_actions(model="contact")
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
    widgets = by_field(hooks().record_field_widgets(model="contact", record=record))
    if record.id:
        for button in hooks().record_field_buttons(model="contact", record=record):
            buttons.setdefault(button.field, []).append(button)
        header = hooks().record_header_buttons(model="contact", record=record)
    return render_template(
        "host/contact_form.html",
        form=form,
        record=record,
        field_buttons=buttons,
        field_widgets=widgets,
        header_buttons=header,
        messages=chatter.messages_for("contact", record.id) if record.id else [],
    ), status


@blueprint.route("/contacts/<int:contact_id>/delete", methods=["POST"])
def contact_delete(contact_id: int):
    record = Contact.get_or_none(Contact.id == contact_id)
    if record is None:
        abort(404)
    try:
        delete_contacts([record.id])
    except ContactInUse as refused:
        flash(f"{record.name} was not deleted. {refused}", "error")
        return redirect(url_for("host.contact", contact_id=record.id))
    flash(f"{record.name} deleted.", "success")
    return redirect(url_for("host.contacts"))


@blueprint.route("/contacts/delete", methods=["POST"])
def contacts_delete():
    """The list's bulk *Delete*: every selected contact, or none."""
    ids = [row[0] for row in db.execute_sql(*selected_contacts().select(Contact.id).sql())]
    back = url_for("host.contacts", q=request.form.get("q", "").strip()[:100] or None)
    if not ids:
        flash("Select the contacts to delete.", "error")
        return redirect(back)
    try:
        deleted = delete_contacts(ids)
    except ContactInUse as refused:
        flash(f"No contact was deleted. {refused}", "error")
        return redirect(back)
    flash(f"{deleted} contact{'' if deleted == 1 else 's'} deleted.", "success")
    return redirect(url_for("host.contacts"))
