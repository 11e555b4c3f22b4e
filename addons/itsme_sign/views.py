"""The sender's pages: Sign requests, a new request (upload), the Sign page
(signers, roles, fields placed on the pages), Send, Cancel, the PDFs."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from addons.itsme_sign import lifecycle, pdfs, signers
from addons.itsme_sign.lifecycle import MODEL, SignError
from addons.itsme_sign.models import FIELD_KINDS, STATES, Field, Page, Role, Signer, SignRequest
from host import (
    check_owner,
    current_user,
    group_required,
    has_group,
    messages_for,
    own_records,
    state_list,
)

blueprint = Blueprint(
    "itsme_sign",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
    url_prefix="/itsme_sign",
)
FILTERS = {"all": None, **{s: (s,) for s in STATES}}
MANAGER = "itsme_sign.manager"


def _fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _request_or_404(request_id: int) -> SignRequest:
    found = SignRequest.get_or_none(SignRequest.id == request_id)
    if found is None:
        abort(404, description="This sign request does not exist.")
    check_owner(found.author_id, see_all=MANAGER)  # another user's request does not exist
    return found


def _mine(query):
    return own_records(query, SignRequest.author, see_all=MANAGER)


def _int(name: str, default: int = 0) -> int:
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) <= 9 else default


def _number(name: str) -> float:
    try:
        return float(request.form.get(name, ""))
    except ValueError:
        return float("nan")


@blueprint.context_processor
def itsme_sign_globals():
    return {
        "itsme_required": signers.itsme_required,
        "itsme_available": signers.itsme_available,
        "sign_manager": has_group(MANAGER),
    }


@blueprint.route("/requests")
def requests_list():
    listed = state_list(
        _mine(
            SignRequest.select(
                SignRequest.id,
                SignRequest.name,
                SignRequest.state,
                SignRequest.created_at,
                SignRequest.sent_at,
                SignRequest.page_count,
            )
        ),
        SignRequest.state,
        FILTERS,
        order_by=(SignRequest.id.desc(),),
        per_page=200,
    )
    return render_template(
        "itsme_sign/requests.html",
        sign_requests=listed.rows,
        state=listed.state,
        filters=FILTERS,
        counts=listed.counts,
    )


@blueprint.route("/requests/new", methods=["GET", "POST"])
def new_request():
    error = ""
    if request.method == "POST":
        upload = request.files.get("document")
        data = upload.read() if upload else b""
        try:
            if not upload or not upload.filename:
                raise SignError("Choose the PDF to sign.")
            created = lifecycle.create(
                request.form.get("name", ""), upload.filename, data, current_user()
            )
        except (SignError, pdfs.PdfRefused) as exc:
            error = str(exc)
        else:
            flash("Uploaded. Add the signers, then place their fields on the pages.", "success")
            return redirect(url_for("itsme_sign.sign_page", request_id=created.id))
    return render_template("itsme_sign/new.html", error=error), (400 if error else 200)


@blueprint.route("/requests/<int:request_id>")
def sign_page(request_id: int):
    current = _request_or_404(request_id)
    signer_list = list(current.signers.order_by(Signer.order, Signer.id))
    return render_template(
        "itsme_sign/sign.html",
        sign_request=current,
        signers=signer_list,
        pages=list(
            Page.select(Page.id, Page.number, Page.width, Page.height)
            .where(Page.request == current)
            .order_by(Page.number)
        ),
        fields=list(current.fields),
        kinds=FIELD_KINDS,
        roles=list(Role.select().order_by(Role.name)),
        problems=lifecycle.problems(current) if current.state == "draft" else [],
        warnings=lifecycle.warnings(current) if current.state == "draft" else [],
        credit_shortfall=lifecycle.credit_shortfall(current)
        if current.state in ("draft", "sent")
        else 0,
        messages=messages_for(MODEL, current.id),
        model=MODEL,
    )


@blueprint.route("/requests/<int:request_id>/state")
def request_state(request_id: int):
    """The state and the signers as a fragment that polls itself while the request is out."""
    current = _request_or_404(request_id)
    return render_template(
        "itsme_sign/_status.html",
        sign_request=current,
        signers=list(current.signers.order_by(Signer.order, Signer.id)),
    )


@blueprint.route("/requests/<int:request_id>/badge")
def request_badge(request_id: int):
    """The state in the list, as a fragment that polls itself while the request is out."""
    current = _request_or_404(request_id)
    return render_template("itsme_sign/_badge.html", state=current.state, request_id=current.id)


@blueprint.route("/requests/<int:request_id>/signers", methods=["POST"])
def add_signer(request_id: int):
    current = _request_or_404(request_id)
    try:
        signer = lifecycle.add_signer(
            current,
            name=request.form.get("name", ""),
            email=request.form.get("email", ""),
            role=request.form.get("role", ""),
            order=_int("order", 1),
            country=request.form.get("country", ""),
            language=request.form.get("language", "en"),
            create_role=has_group(MANAGER),
        )
    except SignError as exc:
        flash(str(exc), "error")
        return redirect(url_for("itsme_sign.sign_page", request_id=current.id)), 303
    flash(f"{signer.name} added. Click on a page to place their fields.", "success")
    return redirect(url_for("itsme_sign.sign_page", request_id=current.id))


@blueprint.route("/requests/<int:request_id>/signers/<int:signer_id>/remove", methods=["POST"])
def remove_signer(request_id: int, signer_id: int):
    current = _request_or_404(request_id)
    try:
        lifecycle.remove_signer(current, signer_id)
    except SignError as exc:
        flash(str(exc), "error")
    return redirect(url_for("itsme_sign.sign_page", request_id=current.id))


@blueprint.route("/requests/<int:request_id>/fields", methods=["POST"])
def place_field(request_id: int):
    current = _request_or_404(request_id)
    try:
        field = lifecycle.place_field(
            current,
            signer_id=_int("signer_id"),
            kind=request.form.get("kind", ""),
            page=_int("page"),
            x=_number("x"),
            y=_number("y"),
        )
    except SignError as exc:
        if _fetch():
            return jsonify(error=str(exc)), 400
        flash(str(exc), "error")
        return redirect(url_for("itsme_sign.sign_page", request_id=current.id))
    if _fetch():
        return jsonify(field=_field_json(field))
    return redirect(url_for("itsme_sign.sign_page", request_id=current.id))


def _field_json(field: Field) -> dict:
    return {
        "id": field.id,
        "signer_id": field.signer_id,
        "kind": field.kind,
        "page": field.page,
        "x": field.x,
        "y": field.y,
        "width": field.width,
        "height": field.height,
        "remove": url_for(
            "itsme_sign.remove_field", request_id=field.request_id, field_id=field.id
        ),
    }


@blueprint.route("/requests/<int:request_id>/fields/<int:field_id>/remove", methods=["POST"])
def remove_field(request_id: int, field_id: int):
    current = _request_or_404(request_id)
    try:
        lifecycle.remove_field(current, field_id)
    except SignError as exc:
        if _fetch():
            return jsonify(error=str(exc)), 400
        flash(str(exc), "error")
    if _fetch():
        return jsonify(removed=field_id)
    return redirect(url_for("itsme_sign.sign_page", request_id=current.id))


@blueprint.route("/requests/<int:request_id>/send", methods=["POST"])
def send(request_id: int):
    current = _request_or_404(request_id)
    try:
        report = lifecycle.send(current)
    except SignError as exc:
        flash(str(exc), "error")
        return redirect(url_for("itsme_sign.sign_page", request_id=current.id))
    for warning in report.warnings:
        flash(warning, "error")
    names = ", ".join(report.mailed)
    flash(f"Sent. Signing link mailed to {names}.", "success")
    return redirect(url_for("itsme_sign.sign_page", request_id=current.id))


@blueprint.route("/requests/<int:request_id>/cancel", methods=["POST"])
def cancel(request_id: int):
    current = _request_or_404(request_id)
    try:
        lifecycle.cancel(current, request.form.get("reason", "").strip())
    except SignError as exc:
        flash(str(exc), "error")
    else:
        flash("Canceled: the signing links no longer work.", "success")
    return redirect(url_for("itsme_sign.sign_page", request_id=current.id))


@blueprint.route("/requests/<int:request_id>/pages/<int:number>.png")
def page_png(request_id: int, number: int):
    _request_or_404(request_id)
    page = Page.get_or_none((Page.request == request_id) & (Page.number == number))
    if page is None:
        abort(404)
    return bytes(page.png), 200, {"Content-Type": "image/png", "Cache-Control": "private"}


def pdf_response(data: bytes, filename: str):
    safe = "".join(c for c in filename if c.isalnum() or c in "-_. ")[:120] or "document.pdf"
    return (
        bytes(data),
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{safe}"',
        },
    )


@blueprint.route("/requests/<int:request_id>/original.pdf")
def original_pdf(request_id: int):
    current = _request_or_404(request_id)
    return pdf_response(current.original, current.filename)


@blueprint.route("/requests/<int:request_id>/signed.pdf")
def signed_pdf(request_id: int):
    current = _request_or_404(request_id)
    if not current.signed:
        abort(404, description="The document is not signed by everyone yet.")
    return pdf_response(current.signed, f"{current.name} (signed).pdf")


@blueprint.route("/roles", methods=["GET", "POST"])
@group_required(MANAGER)
def roles():
    if request.method == "POST":
        try:
            role = lifecycle.role_named(request.form.get("name", ""), create=True)
        except SignError as exc:
            flash(str(exc), "error")
        else:
            role.requires_itsme = request.form.get("requires_itsme") == "1"
            role.save()
            state = "requires" if role.requires_itsme else "does not require"
            flash(f"The role {role.name} {state} itsme identification.", "success")
        return redirect(url_for("itsme_sign.roles"))
    return render_template("itsme_sign/roles.html", roles=list(Role.select().order_by(Role.name)))
