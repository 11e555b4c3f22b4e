"""Pages: a list and a form per kind, upload, Digitize/Retry, Validate, page images."""

from __future__ import annotations

import io

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
from markupsafe import Markup

from addons.digitization import config, documents, fields, pages
from addons.digitization.kinds import BY_SLUG, Kind
from addons.digitization.models import BUSY, EDITABLE, STATES, Document, file_data
from addons.iap import InsufficientCreditError, balance
from host import (
    check_owner,
    current_user,
    group_required,
    has_group,
    hooks,
    own_records,
    state_list,
)

blueprint = Blueprint(
    "digitization",
    __name__,
    template_folder="templates",
    static_folder="static",
    url_prefix="/digitization",
)
SLUGS = "<any(bills, expenses, applicants):slug>"
# Sees every user's documents, validates and reopens them; a User, their own.
MANAGER = "digitization.manager"
# List filters: a name, and the states it shows.
FILTERS = {
    "": ("All", None),
    "draft": ("Draft", ("draft",)),
    "busy": ("In progress", tuple(BUSY)),
    "to_validate": ("To validate", ("to_validate",)),
    "failed": ("Failed", ("failed", "no_credit")),
    "done": ("Done", ("done",)),
}


def _fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _kind(slug: str) -> Kind:
    return BY_SLUG[slug]


def _document(slug: str, document_id: int) -> Document:
    document = Document.get_or_none(
        (Document.id == document_id) & (Document.kind == _kind(slug).key)
    )
    if document is None:
        abort(404, description="This document does not exist (any more).")
    check_owner(document.author_id, see_all=MANAGER)
    return document


def _visible(query):
    """A User's own documents; a Manager's, everyone's."""
    return own_records(query, Document.author, see_all=MANAGER)


def _form_url(document: Document) -> str:
    return url_for("digitization.document", slug=document.kind_info.slug, document_id=document.id)


@blueprint.app_template_filter("digitization_state")
def state_badge(state: str) -> Markup:
    return Markup('<span class="badge digi-state state-{0}" data-state="{0}">{1}</span>').format(
        state, STATES.get(state, state)
    )


@blueprint.route("/")
def index():
    return redirect(url_for("digitization.documents_list", slug="bills"))


# -- list ------------------------------------------------------------------------


def _list_context(kind: Kind) -> dict:
    q = request.args.get("q", "").strip()[:100]
    listed = state_list(
        _visible(Document.select().where(Document.kind == kind.key)),
        Document.state,
        {key: states for key, (_, states) in FILTERS.items()},
        order_by=(Document.id.desc(),),
        search=(
            Document.filename.contains(q) | Document.name.contains(q) | Document.number.contains(q)
        )
        if q
        else None,
    )
    state, page = listed.state, listed.page
    return {
        "kind": kind,
        "documents": listed.rows,
        "q": q,
        "state": state,
        "page": page,
        "pages": listed.pages,
        "total": listed.total,
        "busy": listed.counts["busy"] > 0,
        "progress": documents.progress(kind, _visible),
        "filters": FILTERS,
        "counts": listed.counts,
        "credits": config.credits(kind.key),
        "available": balance("digitization"),
        "rows_url": url_for(
            "digitization.documents_rows", slug=kind.slug, q=q or None, state=state or None,
            page=page if page > 1 else None,
        ),
        "kpis_url": url_for(
            "digitization.documents_rows", slug=kind.slug, part="kpis", q=q or None,
            state=state or None,
        ),
    }  # fmt: skip


@blueprint.route(f"/{SLUGS}")
def documents_list(slug: str):
    kind = _kind(slug)
    return render_template(
        "digitization/list.html",
        mode=config.mode(kind.key),
        actions=hooks().list_bulk_actions(model=kind.model),
        max_size=current_app.config["DIGITIZATION_MAX_FILE_SIZE"],
        takes_xml=documents.takes_xml(kind),
        **_list_context(kind),
    )


@blueprint.route(f"/{SLUGS}/rows")
def documents_rows(slug: str):
    """The list's body (or its counters, ``part=kpis``) alone, polled while
    documents are being digitized."""
    part = "_kpis" if request.args.get("part") == "kpis" else "_list_body"
    return render_template(f"digitization/{part}.html", **_list_context(_kind(slug)))


@blueprint.route(f"/{SLUGS}/upload", methods=["POST"])
def upload(slug: str):
    kind = _kind(slug)
    files = request.files.getlist("files")
    created, errors = documents.upload(kind, files, current_user())
    for error in errors:
        flash(error, "error")
    if not created and not errors:
        flash("Choose one or more files to upload.", "error")
    elif created:
        # No "Digitizing…" here: a flash cannot follow the job; the list's
        # progress and the form's status do, live.
        flash(f"{len(created)} document{'s' if len(created) > 1 else ''} uploaded.", "success")
    target = (
        _form_url(created[0])
        if len(created) == 1
        else url_for("digitization.documents_list", slug=slug)
    )
    if _fetch():
        return jsonify(redirect=target)
    return redirect(target, code=303)


def _selected_ids() -> list[int]:
    ids = [int(i) for i in request.form.getlist("ids") if str(i).isdecimal() and len(i) <= 18]
    if not ids:
        return []
    query = _visible(Document.select(Document.id).where(Document.id.in_(ids)))
    return [row.id for row in query]


@blueprint.route(f"/{SLUGS}/digitize", methods=["POST"])
def digitize_selected(slug: str):
    kind = _kind(slug)
    try:
        queued = documents.queue(kind, _selected_ids(), current_user())
    except documents.Refused as exc:
        flash(str(exc), "error")
    else:
        if queued:
            flash(f"{len(queued)} document{'s' if len(queued) > 1 else ''} queued.", "success")
        else:
            flash("None of the selected documents can be digitized now.", "info")
    return redirect(url_for("digitization.documents_list", slug=slug), code=303)


# -- form ------------------------------------------------------------------------


def _render_form(document: Document, errors: dict | None = None, form=None, status: int = 200):
    kind = document.kind_info
    max_pages = current_app.config["DIGITIZATION_MAX_PAGES"]
    data = file_data(document.id)
    page_count, problem = pages.preview(data, max_pages)
    xml = pages.xml_preview(data) if document.mimetype == pages.XML else None
    credit_error = None
    if document.state == "no_credit":
        credit_error = InsufficientCreditError(
            "digitization",
            config.credits(kind.key),
            balance("digitization"),
            False,
            url_for("iap.buy", service="digitization"),
        )
    return render_template(
        "digitization/form.html",
        document=document,
        kind=kind,
        fields=fields.field_views(document, form, errors),
        errors=errors or {},
        editable=document.state in EDITABLE,
        mode=config.mode(kind.key),
        credits_label=_credits_label(config.credits(kind.key)),
        page_count=page_count,
        preview_problem=problem,
        xml=xml,
        credit_error=credit_error,
        header_buttons=hooks().record_header_buttons(model=kind.model, record=document),
    ), status


def _credits_label(credits) -> str:
    if not credits:
        return "free"
    text = f"{credits.normalize():f}"
    return f"{text} credit" + ("" if credits == 1 else "s")


@blueprint.route(f"/{SLUGS}/<int:document_id>", methods=["GET", "POST"])
def document(slug: str, document_id: int):
    """The form; a post saves the corrections, or validates with ``action=validate``."""
    record = _document(slug, document_id)
    if request.method == "GET":
        return _render_form(record)
    validate = request.form.get("action") == "validate"
    if validate and not has_group(MANAGER):
        abort(403, description="Validating needs the access group Documents Digitization: Manager.")
    try:
        errors = documents.save(record, request.form, current_user(), validate=validate)
    except documents.Refused as exc:
        flash(str(exc), "error")
        return redirect(_form_url(record), code=303)
    if errors:
        return _render_form(record, errors, request.form, 422)
    flash("Validated." if validate else "Saved.", "success")
    return redirect(_form_url(record), code=303)


@blueprint.route(f"/{SLUGS}/<int:document_id>/digitize", methods=["POST"])
def digitize(slug: str, document_id: int):
    """Digitize a draft, or Retry a failed document or one waiting for credits."""
    record = _document(slug, document_id)
    try:
        queued = documents.queue(record.kind_info, [record.id], current_user())
    except documents.Refused as exc:
        flash(str(exc), "error")
    else:
        if not queued:
            flash("This document cannot be digitized now.", "info")
    return redirect(_form_url(record), code=303)


@blueprint.route(f"/{SLUGS}/<int:document_id>/reopen", methods=["POST"])
@group_required(MANAGER)
def reopen(slug: str, document_id: int):
    record = _document(slug, document_id)
    try:
        documents.reopen(record, current_user())
    except documents.Refused as exc:
        flash(str(exc), "error")
    return redirect(_form_url(record), code=303)


@blueprint.route(f"/{SLUGS}/<int:document_id>/delete", methods=["POST"])
def delete(slug: str, document_id: int):
    record = _document(slug, document_id)
    try:
        documents.delete(record)
    except documents.Refused as exc:
        flash(str(exc), "error")
        return redirect(_form_url(record), code=303)
    flash(f"{record.filename} deleted.", "success")
    return redirect(url_for("digitization.documents_list", slug=slug), code=303)


@blueprint.route(f"/{SLUGS}/<int:document_id>/status")
def status(slug: str, document_id: int):
    """The form's state badge alone, polled while the document is being digitized."""
    return render_template("digitization/_status.html", document=_document(slug, document_id))


@blueprint.route(f"/{SLUGS}/<int:document_id>/file")
def original(slug: str, document_id: int):
    record = _document(slug, document_id)
    response = send_file(
        io.BytesIO(file_data(record.id)),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=record.filename or "document",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.route(f"/{SLUGS}/<int:document_id>/pages/<int:page>")
def page_image(slug: str, document_id: int, page: int):
    record = _document(slug, document_id)
    try:
        data, mimetype = pages.page_image(record.id, record.mimetype, page)
    except pages.PageUnavailable as exc:
        abort(404, description=str(exc))
    response = send_file(io.BytesIO(data), mimetype=mimetype, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
