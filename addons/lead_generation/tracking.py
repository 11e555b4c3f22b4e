"""The tracking endpoint the snippet calls from any website: no login, the
site token from the snippet, a rate limit per visitor address.

The visitor's IP is ``request.remote_addr``: the host rewrites it from
``X-Forwarded-For`` only for the ``HOST_PROXIES`` proxies it trusts, so a
forged header from the visitor is ignored. It answers 204 with no cookie.
"""

from __future__ import annotations

from flask import Response, abort, request, url_for
from markupsafe import Markup

from addons.lead_generation import reveal
from addons.lead_generation.views import blueprint
from host import BadToken, public_endpoint, read_token, sign_token

TOKEN_PURPOSE = "lead_generation.site"
TOKEN_AGE = 10 * 365 * 86400  # a snippet pasted on a website lives long


def site_token() -> str:
    return sign_token(TOKEN_PURPOSE, "site")


def snippet() -> Markup:
    """The ``<script>`` tag to paste on a website."""
    return Markup(
        '<script src="{src}" data-endpoint="{endpoint}" data-key="{key}" async></script>'
    ).format(
        src=url_for("lead_generation.static", filename="lead_generation/track.js", _external=True),
        endpoint=url_for("lead_generation.track", _external=True),
        key=site_token(),
    )


@blueprint.route("/track", methods=["POST"])
@public_endpoint(
    auth="token", rate_limit="60/minute", description="page views reported by the tracking snippet"
)
def track():
    try:
        read_token(TOKEN_PURPOSE, request.form.get("k", ""), max_age=TOKEN_AGE)
    except BadToken:
        abort(403, description="Unknown site key: paste the snippet from the Rules page again.")
    url = request.form.get("u", "")[:1024]
    if not url.startswith(("http://", "https://")):
        abort(400, description="The page URL is missing.")
    reveal.record_view(request.remote_addr or "", url)
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
