"""Type-ahead companies on the contact form: choosing one fills VAT, website and city."""

from flask import Blueprint, request

from host import FieldWidget, Manifest, Suggestion, hookimpl, suggestions_response

manifest = Manifest(name="directory", title="Company Directory", summary="Suggests companies.")

blueprint = Blueprint("directory", __name__)

COMPANIES = [
    {
        "name": "Odoo SA",
        "vat": "BE0477472701",
        "website": "https://www.odoo.com",
        "city": "Ramillies",
    },
    {
        "name": "Proximus SA",
        "vat": "BE0202239951",
        "website": "https://www.proximus.be",
        "city": "Brussels",
    },
]


@blueprint.route("/suggest")
def suggest():
    q = request.args.get("q", "").strip().lower()
    found = [c for c in COMPANIES if q in c["name"].lower() or q in c["vat"].lower()]
    return suggestions_response(
        [Suggestion(label=c["name"], detail=f"{c['vat']} · {c['city']}", values=c) for c in found]
    )


@hookimpl
def register_blueprints():
    return [blueprint]


@hookimpl
def record_field_widgets(model, record):
    if model != "contact":
        return []
    return [
        FieldWidget(id=f"directory-{name}", field=name, endpoint="directory.suggest", min_chars=2)
        for name in ("name", "vat")
    ]
