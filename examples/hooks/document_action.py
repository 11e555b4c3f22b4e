"""`Keep a copy` on every record with a printable PDF: the copy goes into the
record's chatter, with whom the document was for."""

from flask import Blueprint, abort, flash, redirect, request, url_for

from host import Button, Manifest, current_user, find_document, hookimpl, post_message

manifest = Manifest(name="archive", title="Archive", summary="Keeps copies of documents.")

blueprint = Blueprint("archive", __name__)


@blueprint.route("/<model>/<int:res_id>/<document_id>", methods=["POST"])
def keep_copy(model, res_id, document_id):
    try:
        document = find_document(model, res_id, document_id)
    except LookupError as exc:
        abort(404, description=str(exc))
    recipient = document.get_recipient()
    post_message(
        model=model,
        res_id=res_id,
        body=f"Copy of {document.title}" + (f" for {recipient.name}" if recipient else ""),
        author=current_user(),
        attachments=[(document.filename, "application/pdf", document.pdf())],
    )
    flash(f"A copy of {document.title} is in the chatter.", "success")
    return redirect(request.referrer or url_for("host.home"))


@hookimpl
def register_blueprints():
    return [blueprint]


@hookimpl
def document_actions(model, record, documents):
    return [
        Button(
            id=f"archive-{document.id}",
            label=f"Keep a copy of the {document.title.lower()}",
            icon="🗄",
            endpoint="archive.keep_copy",
            values={"model": model, "res_id": record.id, "document_id": document.id},
            target="post",
        )
        for document in documents
    ]
