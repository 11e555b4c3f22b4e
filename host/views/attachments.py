"""Attachment downloads."""

from __future__ import annotations

import io

from flask import abort, send_file

from host.models import Attachment
from host.views.blueprint import blueprint

# Types a browser shows without running anything; others (HTML, SVG) are downloaded.
INLINE_MIMETYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
)


@blueprint.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    row = Attachment.get_or_none(Attachment.id == attachment_id)
    if row is None:
        abort(404)
    # send_file quotes the name and encodes non-ASCII; a newline would still break the header.
    name = "".join(c for c in row.filename if c.isprintable()) or "attachment"
    inline = row.mimetype.split(";")[0].strip().lower() in INLINE_MIMETYPES
    response = send_file(
        io.BytesIO(bytes(row.data)),
        mimetype=row.mimetype,
        as_attachment=not inline,
        download_name=name,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
