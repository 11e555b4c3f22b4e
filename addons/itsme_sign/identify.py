"""The signer's identification with itsme: start, the provider's redirect back, our JWKS.

The pending request (state, nonce, PKCE verifier) is kept on the server
(``pending``); the signer's session holds only its opaque key, so only the
browser that started an identification can finish it, once, within
``PENDING_TTL``. The identification is paid for with one
``itsme_sign`` credit, held before the code is exchanged and captured only
once the ID token and userinfo validated; a failed or canceled
identification costs nothing. The outcome goes back to the signer's page
as ``?itsme=<code>`` (``signer_views.ITSME_OUTCOMES`` says it in words).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    has_request_context,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)

from addons.iap import InsufficientCreditError, balance, charge
from addons.itsme_sign import itsme_client, itsme_settings, pending
from addons.itsme_sign.oidc import (
    COUNTRIES,
    DiscoveryError,
    InvalidResponse,
    OidcError,
    PendingRequest,
    ProviderRefused,
    ProviderUnavailable,
)
from addons.itsme_sign.signers import (
    LinkError,
    itsme_available,
    itsme_required,
    record_identification,
    signer_from_token,
)
from addons.itsme_sign.views import blueprint
from host import public_endpoint

log = logging.getLogger(__name__)

SERVICE = "itsme_sign"
CREDIT = 1
SESSION_KEY = "itsme_sign.pending"
MAX_PENDING = 3  # identifications one browser keeps (the oldest is dropped)
MODELS = pending.MODELS
LANGUAGES = ("nl", "fr", "de", "en")


def settings_blocks():
    """The itsme block of the Settings page (the addon's ``settings_blocks`` hook)."""
    return itsme_settings.blocks()


def register_commands(cli) -> None:
    """``iap-host itsme-sign …`` (the addon's ``register_commands`` hook)."""
    from addons.itsme_sign import itsme_cli

    itsme_cli.register(cli)


@dataclass(frozen=True)
class Availability:
    """Whether a signer can identify now, and if not, why (for the sender)."""

    ok: bool
    message: str = ""
    buy_url: str | None = None


def can_identify(country: str | None = None, identifications: int = 1) -> Availability:
    """Whether ``identifications`` itsme identifications can run now: itsme is
    set up, offered in ``country`` (when given), and the credits cover them."""
    if not itsme_client.configured():
        return Availability(False, "itsme identification is not set up on this server.")
    if country is not None and country.upper() not in COUNTRIES:
        return Availability(
            False, f"itsme is not available in {country or 'this country'} (only BE and NL)."
        )
    available = balance(SERVICE)
    if available < identifications * CREDIT:
        return Availability(
            False,
            f"itsme identifications cost {CREDIT} credit each; {identifications} needed, "
            f"{available} available.",
            url_for("iap.buy", service=SERVICE) if has_request_context() else None,
        )
    return Availability(True)


def _back(token: str, outcome: str | None = None):
    # The same link the signer came with: a fresh one would restart its age.
    url = url_for("itsme_sign.signer_page", token=token)
    return redirect(f"{url}?itsme={outcome}" if outcome else url)


def _signer(token: str):
    try:
        return signer_from_token(token)
    except LinkError as exc:
        abort(exc.status, description=str(exc))


@blueprint.route("/s/<token>/itsme")
@public_endpoint(auth="token", rate_limit="20/minute", description="Start an itsme identification")
def identify_start(token: str):
    signer = _signer(token)
    if not itsme_required(signer) or signer.identified:
        return _back(token)
    if not itsme_available(signer):
        abort(400, description="itsme is not available in your country (only BE and NL).")
    if not itsme_client.configured():
        return _back(token, "unavailable")
    if balance(SERVICE) < CREDIT:
        return _back(token, "no_credit")
    locale = signer.language if signer.language in LANGUAGES else "en"
    # eid yields Belgian ID numbers only: never asked for a Dutch signer.
    eid = bool(current_app.config["ITSME_EID"]) and signer.country.upper() == "BE"
    try:
        url, started = itsme_client.relying_party().start(
            acr=current_app.config["ITSME_ACR"], locale=locale, eid=eid
        )
    except OidcError as exc:
        log.warning("itsme identification could not start: %s", exc)
        return _back(token, "unavailable")
    keys = _session_keys()
    pending.forget(keys[: max(len(keys) - MAX_PENDING + 1, 0)])
    session[SESSION_KEY] = keys[-(MAX_PENDING - 1) :] + [pending.keep(started, token)]
    return redirect(url)


def _session_keys() -> list[str]:
    keys = session.get(SESSION_KEY)
    # A list of keys; a session from before they moved to the server holds a dict.
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


@blueprint.route("/itsme/callback")
@public_endpoint(
    auth="token", rate_limit="30/minute", description="itsme's redirect back (the state)"
)
def identify_callback():
    keys = _session_keys()
    claim = pending.claim(request.args.get("state", ""), keys)
    if claim is None:
        links = pending.open_links(keys)
        if len(links) == 1:
            # Refused, but this browser has one identification under way: back to
            # its page (the pending one stays, for its own answer).
            log.warning("itsme callback with an unknown state refused")
            return _back(links[0], "mismatch")
        abort(
            400,
            description="This answer from itsme does not belong to an identification started "
            "in this browser. Open your signing link again and identify from there.",
        )
    token = claim.link_token
    if claim.refused:
        log.warning("itsme callback refused: the identification was %s", claim.refused)
        return _back(token, claim.refused)
    signer = _signer(token)
    try:
        _identify(signer, claim.pending, request.args.to_dict())
    except InsufficientCreditError:
        return _back(token, "no_credit")
    except ProviderRefused as exc:
        log.info("itsme refused an identification: %s", exc.error)
        return _back(token, "canceled" if exc.error == "access_denied" else "failed")
    except (ProviderUnavailable, DiscoveryError) as exc:
        log.warning("itsme identification failed: %s", exc)
        return _back(token, "unavailable")
    except InvalidResponse as exc:
        log.warning("itsme answer refused: %s", exc.reason)
        return _back(token, "mismatch")
    except OidcError as exc:
        log.warning("itsme identification failed: %s", exc)
        return _back(token, "failed")
    except LinkError as exc:
        abort(exc.status, description=str(exc))
    return _back(token)


def _identify(signer, request_sent: PendingRequest, params: dict) -> None:
    """Exchanges the code and validates inside ``charge()``: the credit is held
    first and captured only when the tokens validated and the identity is stored."""
    digest = hashlib.sha256(request_sent.state.encode()).hexdigest()[:40]
    key = f"itsme_sign.identification:{digest}"
    keep_number = itsme_client.store_national_number()
    with charge(
        SERVICE,
        CREDIT,
        description=f"itsme identification of a signer (request {signer.request_id})",
        reference=f"itsme_sign.signer:{signer.id}",
        idempotency_key=key,
    ) as tx:
        if tx.replayed:
            return  # this identification was completed and paid for already
        identity = itsme_client.relying_party().finish(params, request_sent).identity
        level = "advanced" if identity.acr.endswith("advanced") else "basic"
        tx.on_capture(
            lambda: record_identification(
                signer,
                method="itsme",
                name=identity.name,
                birthdate=identity.birthdate,
                result=f"verified by itsme (level {level})",
                national_number=identity.national_number if keep_number else None,
            )
        )


@blueprint.route("/itsme/jwks.json")
@public_endpoint(auth="none", rate_limit="120/minute", description="Our public keys for itsme")
def itsme_jwks():
    response = jsonify(itsme_client.client_keys().public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
