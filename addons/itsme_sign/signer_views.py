"""The signer's page, reached by the secret link: no login, the token, a rate limit.

The identification slot: when the signer's role requires itsme and the
signer is not identified yet, Sign is disabled and, where itsme is offered
(BE, NL) and the identification part is installed, an ``Identify with
itsme`` button goes to ``itsme_sign.identify_start`` with the same token.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

from addons.itsme_sign import signers, signing
from addons.itsme_sign.models import Field, Page
from addons.itsme_sign.signers import LinkError, signer_from_token
from addons.itsme_sign.views import blueprint, pdf_response
from host import public_endpoint

IDENTIFY_ENDPOINT = "itsme_sign.identify_start"
# What the identification part may report back with ``?itsme=<code>`` on the
# signer's page (a code, never text from the URL, so the page says only our words).
ITSME_OUTCOMES = {
    "canceled": "You canceled the identification in the itsme app. Nothing happened: try again "
    "when you are ready.",
    "failed": "The identification with itsme did not complete. Try again.",
    "unavailable": "itsme does not answer right now. Try again in a moment.",
    "mismatch": "The identification was refused. Try again.",
    "expired": "The identification took longer than 15 minutes, so itsme's answer was not "
    "accepted and nothing was charged. Start it again.",
    "used": "This answer from itsme was received already; it is not used twice.",
    "no_credit": "Identification with itsme cannot run for this document right now. Try again "
    "later, or contact the sender.",
}


def _signer_or_error(token: str):
    try:
        return signer_from_token(token)
    except LinkError as exc:
        abort(exc.status, description=str(exc))


def identify_url(signer, token: str) -> str | None:
    """Where ``Identify with itsme`` goes, or None when itsme is not offered here."""
    if not signers.itsme_required(signer) or signer.identified:
        return None
    if not signers.itsme_available(signer):
        return None
    if IDENTIFY_ENDPOINT not in current_app.view_functions:
        return None
    from addons.itsme_sign import itsme_client

    if not itsme_client.configured():
        return None  # the page says itsme is not set up here
    return url_for(IDENTIFY_ENDPOINT, token=token)


def _render(signer, token: str, error: str = "", status: int = 200):
    sign_request = signer.request
    return (
        render_template(
            "itsme_sign/signer.html",
            signer=signer,
            sign_request=sign_request,
            token=token,
            pages=list(
                Page.select(Page.id, Page.number, Page.width, Page.height)
                .where(Page.request == sign_request)
                .order_by(Page.number)
            ),
            fields=list(Field.select().where(Field.request == sign_request)),
            may_sign=signers.may_sign(signer),
            itsme_required=signers.itsme_required(signer),
            itsme_available=signers.itsme_available(signer),
            identify_url=identify_url(signer, token),
            itsme_message=ITSME_OUTCOMES.get(request.args.get("itsme", ""), ""),
            error=error,
        ),
        status,
    )


@blueprint.route("/s/<token>")
@public_endpoint(auth="token", rate_limit="60/minute", description="A signer's page")
def signer_page(token: str):
    return _render(_signer_or_error(token), token)


@blueprint.route("/s/<token>/pages/<int:number>.png")
@public_endpoint(auth="token", rate_limit="600/minute", description="A page of the document")
def signer_page_png(token: str, number: int):
    signer = _signer_or_error(token)
    page = Page.get_or_none((Page.request == signer.request_id) & (Page.number == number))
    if page is None:
        abort(404)
    return bytes(page.png), 200, {"Content-Type": "image/png", "Cache-Control": "private"}


@blueprint.route("/s/<token>/sign", methods=["POST"])
@public_endpoint(auth="token", rate_limit="20/minute", description="A signer's Sign")
def signer_sign(token: str):
    signer = _signer_or_error(token)
    values = {}
    for key, value in request.form.items():
        if key.startswith("field-") and key[6:].isdecimal() and len(key) < 20:
            values[int(key[6:])] = value[:500]
    try:
        signing.sign(
            signer,
            kind=request.form.get("kind", ""),
            drawn=request.form.get("drawn", ""),
            typed=request.form.get("typed", ""),
            values=values,
            ip=request.remote_addr or "",
        )
    except signing.SigningError as exc:
        return _render(signer, token, str(exc), exc.status)
    return redirect(url_for("itsme_sign.signer_page", token=token))


@blueprint.route("/s/<token>/decline", methods=["POST"])
@public_endpoint(auth="token", rate_limit="20/minute", description="A signer's Decline")
def signer_decline(token: str):
    signer = _signer_or_error(token)
    try:
        signing.decline(signer, request.form.get("reason", ""))
    except signing.SigningError as exc:
        return _render(signer, token, str(exc), exc.status)
    return redirect(url_for("itsme_sign.signer_page", token=token))


@blueprint.route("/s/<token>/signed.pdf")
@public_endpoint(auth="token", rate_limit="30/minute", description="The signed PDF")
def signer_signed_pdf(token: str):
    signer = _signer_or_error(token)
    sign_request = signer.request
    if not sign_request.signed:
        abort(404, description="The document is not signed by everyone yet.")
    return pdf_response(sign_request.signed, f"{sign_request.name} (signed).pdf")
