"""A signer's page reached by a secret link: no login, a signed token, a rate limit."""

from flask import Blueprint, abort, url_for

from host import BadToken, Manifest, hookimpl, public_endpoint, read_token, sign_token

manifest = Manifest(name="countersign", title="Countersign", summary="Signers sign from a link.")

blueprint = Blueprint("countersign", __name__)


def signer_link(envelope_id: int, email: str) -> str:
    """The link mailed to a signer, valid for 14 days."""
    token = sign_token("countersign.signer", {"envelope": envelope_id, "email": email})
    return url_for("countersign.signer_page", token=token, _external=True)


@blueprint.route("/s/<token>")
@public_endpoint(auth="token", rate_limit="20/minute")
def signer_page(token):
    try:
        signer = read_token("countersign.signer", token, max_age=14 * 86400)
    except BadToken as exc:
        abort(404, description=str(exc))
    return f"Envelope {signer['envelope']}: sign as {signer['email']}"


@hookimpl
def register_blueprints():
    return [blueprint]
