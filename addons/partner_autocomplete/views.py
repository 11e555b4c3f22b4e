"""The blueprint (``/partner_autocomplete``): suggestions, choosing a company,
the Enrich dialog, a contact's VIES check and the settings form."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from addons.iap import InsufficientCreditError
from addons.partner_autocomplete import (
    config,
    enrich,
    purchases,
    register,
    search,
    vat,
    vat_checks,
    vies,
)
from addons.partner_autocomplete.models import Company, VatCheck
from host import Contact, Suggestion, admin_required, current_user, suggestions_response

blueprint = Blueprint(
    "partner_autocomplete",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

SEARCH_FIELDS = ("name", "vat", "website", "email")


def _enabled_or_404():
    if not config.switch("enabled"):
        abort(404, description="Partner Autocomplete is switched off in the Settings.")


def _vat_feedback(raw: str, country: str) -> dict:
    """The offline verdict on a VAT number being typed."""
    try:
        number = vat.parse(raw, country)
    except vat.VatError as exc:
        return {"vat_error": str(exc)}
    return {"vat_ok": number.compact, "vies_checked": number.in_vies}


@blueprint.route("/suggest")
def suggest():
    """Companies matching what is typed in a field, in the shape the host's
    field widget reads (``host.suggestions_response``). Free: nothing is charged."""
    _enabled_or_404()
    field = request.args.get("field", "name")
    if field not in SEARCH_FIELDS:
        field = "name"
    raw = request.args.get("q", "")[: search.MAX_QUERY * 4]
    country = request.args.get("country", "")[:2].upper()
    try:
        hits = search.search(raw, field, country)
    except search.SearchRefused as exc:
        return suggestions_response([], str(exc))
    notes: dict = {}
    if field == "vat":
        notes = _vat_feedback(raw, country)
        if not hits and notes.get("vies_checked") and config.switch("vies"):
            hits = _from_vies(raw, country, notes)
    rows = [enrich.suggestion(hit) for hit in hits]
    message = notes.get("vat_error") or notes.get("vies") or ("" if rows else "No company found.")
    return suggestions_response(
        [
            Suggestion(
                label=row["name"],
                detail=" · ".join(p for p in (row["place"], row["vat"]) if p),
                choose_url=url_for("partner_autocomplete.choose", company_id=row["id"]),
                initials=row["initials"],
                image=row["logo"],
            )
            for row in rows
        ],
        message,
    )


def _from_vies(raw: str, country: str, answer: dict) -> list[search.Hit]:
    number = vat.parse(raw, country)
    try:
        company = vat_checks.lookup(number)
    except vies.ViesError as exc:
        answer["vies"] = f"VIES: unavailable ({exc})"
        return []
    if company is None:
        answer["vies"] = "VIES: not valid"
        return []
    return [search.Hit(company, 100.0)]


@blueprint.route("/choose/<int:company_id>", methods=["POST"])
def choose(company_id: int):
    """A company chosen in the dropdown: charge it (once per company) and
    answer its values; the form fills the empty fields and asks about the others."""
    _enabled_or_404()
    company = Company.get_or_none(Company.id == company_id)
    if company is None:
        return jsonify({"error": "This company is no longer in the register."}), 404
    user = current_user()
    try:
        charged = purchases.buy(company, user.id if user else None)
    except InsufficientCreditError as exc:
        prompt = render_template("iap/insufficient_credit.html", error=exc)
        return jsonify({**exc.as_dict(), "insufficient": prompt}), 402
    except purchases.PurchaseBusy as exc:
        return jsonify({"error": str(exc)}), 409
    spent = "1 credit spent" if charged else "already paid for, no credit spent"
    return jsonify(
        {
            "values": enrich.values(company),
            "company_id": company.id,
            "charged": charged,
            "message": f"{company.name or company.vat}: {spent}.",
        }
    )


def _find_for(contact: Contact) -> Company | None:
    """The register's company for a saved contact: by VAT, then domain, then name."""
    attempts = []
    if contact.vat:
        attempts.append((contact.vat, "vat"))
    if contact.website:
        attempts.append((contact.website, "website"))
    if contact.email:
        attempts.append((contact.email, "email"))
    attempts.append((contact.name, "name"))
    for raw, field in attempts:
        try:
            hits = search.search(raw, field, contact.country, limit=1)
        except search.SearchRefused:
            continue
        if hits and (field != "name" or hits[0].score >= 85):
            return hits[0].company
    return None


@blueprint.route("/enrich/<int:contact_id>", methods=["GET", "POST"])
def enrich_contact(contact_id: int):
    """The Enrich dialog of a saved company contact."""
    _enabled_or_404()
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        abort(404, description="This contact does not exist (any more).")
    company = Company.get_or_none(Company.id == request.form.get("company_id", type=int))
    if company is None:
        company = _find_for(contact)
    view = {"contact": contact, "company": company}
    if company is not None:
        current = {name: getattr(contact, name, "") or "" for name in enrich.FIELDS}
        view["fill"], view["conflicts"] = enrich.plan(current, company)
        view["paid"] = purchases.is_paid(company.id)
        view["extras"] = enrich.extras(company)
        view["labels"] = enrich.LABELS
    if request.method == "GET" or company is None:
        return render_template("partner_autocomplete/enrich.html", **view)
    user = current_user()
    try:
        charged = purchases.buy(company, user.id if user else None)
    except InsufficientCreditError as exc:
        return render_template("partner_autocomplete/enrich.html", insufficient=exc, **view), 402
    except purchases.PurchaseBusy as exc:
        return jsonify({"error": str(exc)}), 409
    chosen = {name for name in enrich.FIELDS if request.form.get(f"choice_{name}") == "suggested"}
    written = enrich.apply(contact, company, chosen)
    enrich.link(contact, company, user)
    from host import notify_saved

    notify_saved("contact", [contact.id])
    spent = "1 credit spent" if charged else "no credit spent (already paid for)"
    return jsonify({"message": f"{len(written)} fields filled, {spent}.", "reload": True})


@blueprint.route("/vies/<int:contact_id>", methods=["GET", "POST"])
def vies_status(contact_id: int):
    """What VIES said about a contact's number; POST asks again now."""
    check = VatCheck.get_or_none(VatCheck.contact_id == contact_id)
    if check is None:
        abort(404, description="This contact's VAT number is not checked with VIES.")
    if request.method == "POST":
        VatCheck.update(state="pending", attempts=0).where(VatCheck.id == check.id).execute()
        vat_checks.run(contact_id)
        check = VatCheck.get_by_id(check.id)
        return jsonify({"message": vat_checks.label(check), "reload": True})
    return render_template(
        "partner_autocomplete/vies.html", check=check, label=vat_checks.label(check)
    )


@blueprint.route("/settings", methods=["POST"])
@admin_required
def settings():
    form = config.SETTINGS.form(request.form)
    if config.SETTINGS.validate(form):
        config.SETTINGS.save(form)
    flash("Partner Autocomplete settings saved.", "success")
    return redirect(url_for("host.settings"))


def settings_context() -> dict:
    last = register.last_load()
    return {
        "enabled": config.switch("enabled"),
        "vies_on": config.switch("vies"),
        "size": register.size(),
        "last_load": last,
    }
