"""The blueprint (``/lead_generation``): leads, mining requests and their forms."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from addons.iap import balance
from addons.lead_generation import config, leads
from addons.lead_generation.criteria import MAX_CONTACTS, MAX_LEADS, max_cost
from addons.lead_generation.forms import LeadForm, MiningForm
from addons.lead_generation.models import Lead, LeadPerson, MiningRequest
from addons.lead_generation.providers.base import ProviderError
from addons.lead_generation.taxonomy import sic_label
from host import check_owner, current_user, has_group, messages_for, own_records

blueprint = Blueprint(
    "lead_generation",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
PAGE_SIZE = 80
SOURCES = {"mining": "Mining requests", "website": "Website visits", "manual": "Manual"}
MANAGER = "lead_generation.manager"


def visible_leads(query):
    """``query`` limited, for a User, to the leads they are the salesperson of
    or that their own mining requests found; a Manager sees every lead."""
    if has_group(MANAGER):
        return query
    user = current_user()
    user_id = user.id if user is not None else None
    mine = MiningRequest.select(MiningRequest.id).where(MiningRequest.user == user_id)
    return query.where((Lead.salesperson == user_id) | Lead.request.in_(mine))


def lead_visible(lead: Lead) -> bool:
    """Whether the request's user may see ``lead`` (its chatter included)."""
    return visible_leads(Lead.select(Lead.id).where(Lead.id == lead.id)).exists()


def _lead_or_404(lead_id: int) -> Lead:
    # Another user's lead answers 404 to a User, as if it did not exist.
    record = visible_leads(Lead.select().where(Lead.id == lead_id)).first()
    if record is None:
        abort(404, description="This lead does not exist (any more).")
    return record


@blueprint.app_template_filter("lg_country")
def _country_name(code):
    import pycountry

    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country else (code or "")


@blueprint.app_template_filter("sic_label")
def _sic_label(code):
    return sic_label(code) if code else ""


@blueprint.route("/leads")
def leads_list():
    q = request.args.get("q", "").strip()[:100]
    source = request.args.get("source", "")
    country = request.args.get("country", "")[:2].upper()
    lead_type = request.args.get("type", "")
    query = visible_leads(Lead.select())
    if q:
        like = f"%{q}%"
        query = query.where(
            Lead.company_name.ilike(like)
            | Lead.contact_name.ilike(like)
            | Lead.email.ilike(like)
            | Lead.tags.ilike(like)
            | Lead.website.ilike(like)
        )
    if source in SOURCES:
        query = query.where(Lead.source == source)
    if country:
        query = query.where(Lead.country == country)
    if lead_type in ("lead", "opportunity"):
        query = query.where(Lead.lead_type == lead_type)
    total = query.count()
    page = max(1, request.args.get("page", 1, type=int))
    rows = list(query.order_by(Lead.id.desc()).paginate(page, PAGE_SIZE))
    countries = [
        row.country
        for row in visible_leads(Lead.select(Lead.country)).distinct().order_by(Lead.country)
        if row.country
    ]
    return render_template(
        "lead_generation/leads.html",
        leads=rows,
        total=total,
        q=q,
        source=source,
        country=country,
        lead_type=lead_type,
        sources=SOURCES,
        countries=countries,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


# ``leads`` is also the menu's endpoint name.
blueprint.add_url_rule("/", "leads", leads_list)


@blueprint.route("/leads/<int:lead_id>", methods=["GET", "POST"])
def lead(lead_id: int):
    record = _lead_or_404(lead_id)
    form = LeadForm(request.form if request.method == "POST" else None, obj=record)
    if request.method == "GET":
        form.salesperson.data = str(record.salesperson_id or "")
    if request.method == "POST" and form.validate():
        for name in (
            "lead_type",
            "company_name",
            "contact_name",
            "job_title",
            "email",
            "phone",
            "website",
            "country",
            "state",
            "team",
            "tags",
        ):
            setattr(record, name, (getattr(form, name).data or "").strip())
        record.salesperson = int(form.salesperson.data) if form.salesperson.data else None
        record.save()
        if not lead_visible(record):
            # Handed to a colleague (or to nobody): the lead's page would now
            # answer this user 404, so they carry on from their list.
            taker = record.salesperson
            flash(
                f"Lead saved and assigned to {taker.name or taker.email}: it is in their leads now."
                if taker is not None
                else "Lead saved without a salesperson: managers see it now, you no longer do.",
                "success",
            )
            return redirect(url_for("lead_generation.leads"))
        flash("Lead saved.", "success")
        return redirect(url_for("lead_generation.lead", lead_id=record.id))
    return render_template(
        "lead_generation/lead.html",
        record=record,
        form=form,
        people=list(LeadPerson.select().where(LeadPerson.lead == record.id)),
        messages=messages_for(leads.CHATTER_MODEL, record.id),
    ), 422 if request.method == "POST" else 200  # refused: nothing saved, as the contact form


@blueprint.route("/leads/<int:lead_id>/convert", methods=["POST"])
def convert(lead_id: int):
    record = _lead_or_404(lead_id)
    already = bool(record.contact_id)
    contact = leads.convert_to_contact(record, current_user())
    if not already:
        flash(f"Lead converted to contact {contact.name}.", "success")
    return redirect(url_for("host.contact", contact_id=contact.id))


def dataset_summary() -> dict | None:
    """The local dataset's size and whether it is the generated sample, for the
    pages that search it (None with another provider)."""
    from addons.lead_generation.models import Company, DatasetLoad, IpRange, Person

    if config.value("provider") != "local":
        return None
    last = DatasetLoad.select().order_by(DatasetLoad.id.desc()).first()
    return {
        "companies": Company.select().count(),
        "people": Person.select().count(),
        "ranges": IpRange.select().count(),
        "sample": bool(last and last.sample),
        "loaded_at": last.finished_at if last else None,
    }


def _states() -> dict[str, set[str]]:
    try:
        return config.provider().states()
    except ProviderError:
        return {}


@blueprint.route("/requests/new", methods=["GET", "POST"])
def request_new():
    states = _states()
    form = MiningForm(request.form if request.method == "POST" else None, states_by_country=states)
    if request.method == "POST":
        criteria = form.checked_criteria()
        if criteria is not None:
            user = current_user()
            mining = MiningRequest.create(
                lead_number=form.lead_number.data,
                user=user.id if user else None,
                **form.values(criteria),
            )
            from addons.lead_generation.jobs import run_request

            run_request.delay(mining.id)
            return redirect(url_for("lead_generation.mining_request", request_id=mining.id))
    return render_template(
        "lead_generation/mining_form.html",
        form=form,
        states={c: sorted(s) for c, s in states.items()},
        balance=balance("lead_generation"),
        dataset=dataset_summary(),
        max_leads=MAX_LEADS,
        max_contacts=MAX_CONTACTS,
    ), (422 if form.errors else 200)


@blueprint.route("/requests/preview")
def preview():
    """The maximum cost of what the form asks for (the form's live preview)."""
    lead_number = request.args.get("lead_number", 0, type=int)
    contact_number = request.args.get("contact_number", 0, type=int)
    search_type = request.args.get("search_type", "companies")
    if not 1 <= lead_number <= MAX_LEADS:
        return jsonify({"error": f"Ask for 1 to {MAX_LEADS} leads."}), 200
    if search_type == "people" and not 1 <= contact_number <= MAX_CONTACTS:
        return jsonify({"error": f"Ask for 1 to {MAX_CONTACTS} contacts per company."}), 200
    credits = max_cost(lead_number, search_type, contact_number)
    contacts = contact_number if search_type == "people" else 0
    detail = f"{lead_number} compan{'y' if lead_number == 1 else 'ies'}"
    if contacts:
        detail += f" × (1 + {contacts} contact{'' if contacts == 1 else 's'})"
    return jsonify(
        {"credits": credits, "detail": detail, "balance": str(balance("lead_generation"))}
    )


@blueprint.route("/requests")
def requests_list():
    query = own_records(MiningRequest.select(), MiningRequest.user, see_all=MANAGER)
    rows = list(query.order_by(MiningRequest.id.desc()).limit(200))
    return render_template("lead_generation/requests.html", requests=rows)


def _request_context(request_id: int) -> dict:
    mining = MiningRequest.get_or_none(MiningRequest.id == request_id)
    if mining is None:
        abort(404, description="This mining request does not exist.")
    check_owner(mining.user_id, see_all=MANAGER)
    rows = list(Lead.select().where(Lead.request == mining.id).order_by(Lead.id))
    return {"mining": mining, "leads": rows}


@blueprint.route("/requests/<int:request_id>")
def mining_request(request_id: int):
    return render_template("lead_generation/request.html", **_request_context(request_id))


@blueprint.route("/requests/<int:request_id>/status")
def request_status(request_id: int):
    return render_template("lead_generation/_request_status.html", **_request_context(request_id))
