"""A complete addon: a `Say hello` button on contacts, paid with credits."""

from flask import Blueprint, flash, redirect, url_for

from addons.iap import InsufficientCreditError, Service, charge, standard_packs
from host import Button, Contact, Manifest, current_user, hookimpl, post_message

manifest = Manifest(
    name="hello",
    title="Hello",
    version="1.0",
    summary="Greets a contact in its chatter, for one credit.",
    depends=("iap",),
    icon="👋",
)

blueprint = Blueprint("hello", __name__)


@blueprint.route("/greet/<int:contact_id>", methods=["POST"])
def greet(contact_id):
    contact = Contact.get_by_id(contact_id)
    try:
        with charge(
            "hello", 1, description=f"Hello to {contact.name}", reference=f"contact:{contact.id}"
        ):
            post_message(contact, f"Hello {contact.name}!", author=current_user())
    except InsufficientCreditError as exc:
        flash(str(exc), "error")
    return redirect(url_for("host.contact", contact_id=contact.id))


@hookimpl
def register_blueprints():
    return [blueprint]


@hookimpl
def iap_services():
    return [
        Service(
            key="hello", name="Hello", description="One greeting per credit", packs=standard_packs()
        )
    ]


@hookimpl
def record_header_buttons(model, record):
    if model != "contact":
        return []
    return [
        Button(
            id="hello-greet",
            label="Say hello",
            icon="👋",
            endpoint="hello.greet",
            values={"contact_id": record.id},
            target="post",
        )
    ]
