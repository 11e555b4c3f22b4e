"""A record's printable document, opened in the browser (the preview an
action such as Send by post links to)."""

from __future__ import annotations

import io

from flask import abort, send_file

from host.documents import find_document
from host.views.blueprint import blueprint


@blueprint.route("/documents/<model>/<int:res_id>/<document_id>")
def document_pdf(model: str, res_id: int, document_id: str):
    try:
        document = find_document(model, res_id, document_id)
    except LookupError as exc:
        abort(404, description=str(exc))
    response = send_file(
        io.BytesIO(document.pdf()),
        mimetype="application/pdf",
        download_name="".join(c for c in document.filename if c.isprintable()) or "document.pdf",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
