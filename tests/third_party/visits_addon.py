"""Website Visits: a third-party addon written only from docs/ (README,
docs/hooks.md, docs/api.md), importing only the public names of ``host`` and
``addons.iap``.

A contact's website embeds a tracking link carrying a signed token; each
visit is recorded without a login (a public endpoint with a rate limit). A
"Visit report" header button charges one credit and logs the count in the
chatter. The Website field suggests the pages seen in visits. A periodic job
forgets visits older than 90 days.
"""

from __future__ import annotations

import datetime as dt

import peewee
from flask import Blueprint, abort, flash, redirect, request, url_for

from addons.iap import InsufficientCreditError, Service, charge, standard_packs
from host import (
    BadToken,
    BaseModel,
    Button,
    Contact,
    FieldWidget,
    Manifest,
    Suggestion,
    crontab,
    current_user,
    hookimpl,
    job,
    post_message,
    public_endpoint,
    read_token,
    sign_token,
    suggestions_response,
    utcnow,
)

manifest = Manifest(
    name="visits",
    title="Website Visits",
    version="1.0",
    summary="Counts visits of your contacts' websites; a report costs one credit.",
    depends=("iap",),
    icon="👣",
)

blueprint = Blueprint("visits", __name__)
TOKEN_PURPOSE = "visits.site"


class Visit(BaseModel):
    contact = peewee.ForeignKeyField(Contact, on_delete="CASCADE")
    page = peewee.CharField(max_length=255, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "visits_visit"


def tracking_url(contact: Contact) -> str:
    token = sign_token(TOKEN_PURPOSE, contact.id)
    return url_for("visits.track", token=token, _external=True)


@blueprint.route("/track/<token>", methods=["GET", "POST"])
@public_endpoint(auth="token", rate_limit="10/minute")
def track(token):
    try:
        contact_id = read_token(TOKEN_PURPOSE, token)
    except BadToken as exc:
        abort(404, description=str(exc))
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        abort(404, description="This site is not tracked any more.")
    Visit.create(contact=contact, page=request.values.get("page", "")[:255])
    return "", 204


@blueprint.route("/report/<int:contact_id>", methods=["POST"])
def report(contact_id):
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        abort(404)
    count = Visit.select().where(Visit.contact == contact).count()
    try:
        with charge(
            "visits",
            1,
            description=f"Visit report for {contact.name}",
            reference=f"contact:{contact.id}",
        ):
            post_message(contact, f"{count} visits of the website.", author=current_user())
    except InsufficientCreditError as exc:
        flash(str(exc), "error")
    return redirect(url_for("host.contact", contact_id=contact.id))


@blueprint.route("/suggest")
def suggest():
    q = request.args.get("q", "").strip().lower()
    pages = Visit.select(Visit.page).where(Visit.page.contains(q)).distinct().order_by(Visit.page)
    return suggestions_response(
        [Suggestion(label=v.page, values={"website": v.page}) for v in pages.limit(8)]
    )


KEEP_DAYS = 90


@job(periodic=crontab(minute="0", hour="3"), name="visits.forget_old_visits")
def forget_old_visits():
    cutoff = utcnow() - dt.timedelta(days=KEEP_DAYS)
    return Visit.delete().where(Visit.created_at < cutoff).execute()


@hookimpl
def register_jobs():
    return [forget_old_visits]


@hookimpl
def register_models():
    return [Visit]


@hookimpl
def register_blueprints():
    return [blueprint]


@hookimpl
def iap_services():
    return [
        Service(
            key="visits",
            name="Website Visits",
            description="One report per credit",
            packs=standard_packs(),
        )
    ]


@hookimpl
def record_header_buttons(model, record):
    if model != "contact":
        return []
    return [
        Button(
            id="visits-report",
            label="Visit report",
            icon="👣",
            endpoint="visits.report",
            values={"contact_id": record.id},
            target="post",
        )
    ]


@hookimpl
def record_field_widgets(model, record):
    if model != "contact":
        return []
    return [
        FieldWidget(id="visits-website", field="website", endpoint="visits.suggest", min_chars=2)
    ]
