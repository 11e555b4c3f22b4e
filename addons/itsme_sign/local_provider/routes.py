"""The local provider's endpoints: discovery, JWKS, the app page, token, userinfo."""

from __future__ import annotations

import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Flask, jsonify, render_template_string, request

from addons.itsme_sign.local_provider import identities
from addons.itsme_sign.local_provider.tokens import Faults, encrypt, sign
from addons.itsme_sign.oidc.claims import ACR_BASIC, ACR_RANK


def add(app: Flask, provider, server: AuthorizationServer) -> None:
    @app.get("/.well-known/openid-configuration")
    def discovery():
        issuer = provider.issuer
        return jsonify(
            issuer=issuer,
            authorization_endpoint=f"{issuer}/authorize",
            token_endpoint=f"{issuer}/token",
            userinfo_endpoint=f"{issuer}/userinfo",
            jwks_uri=f"{issuer}/jwks",
            scopes_supported=["openid", "profile", "eid", "service"],
            response_types_supported=["code"],
            grant_types_supported=["authorization_code"],
            acr_values_supported=sorted(ACR_RANK),
            subject_types_supported=["pairwise"],
            token_endpoint_auth_methods_supported=["private_key_jwt"],
            token_endpoint_auth_signing_alg_values_supported=["RS256"],
            id_token_signing_alg_values_supported=["RS256"],
            id_token_encryption_alg_values_supported=["RSA-OAEP"],
            id_token_encryption_enc_values_supported=["A128CBC-HS256"],
            userinfo_signing_alg_values_supported=["RS256"],
            userinfo_encryption_alg_values_supported=["RSA-OAEP"],
            userinfo_encryption_enc_values_supported=["A128CBC-HS256"],
            code_challenge_methods_supported=["S256"],
            ui_locales_supported=["en", "fr", "nl", "de"],
            claims_parameter_supported=True,
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(provider.jwks())

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            if error.redirect_uri:
                return server.handle_error_response(request, error)
            return _error_page(error.error, error.description), 400
        scopes = grant.request.payload.scope.split()
        client = grant.client
        if f"service:{client.service_code}" not in scopes or "openid" not in scopes:
            error = OAuth2Error(description="Unknown or missing service scope.")
            error.error = "invalid_scope"
            error.redirect_uri = grant.redirect_uri
            return server.handle_error_response(request, error)
        if request.method == "GET":
            return _app_page(grant)
        if request.form.get("choice") != "approve":
            return server.create_authorization_response(grant_user=None, grant=grant)
        person = request.form.get("identity", "")
        if person not in identities.IDENTITIES:
            return _app_page(grant, "Choose who you are."), 400
        return server.create_authorization_response(grant_user=person, grant=grant)

    @app.post("/token")
    def token():
        faults = provider.faults
        if faults.delay:
            provider._stopping.wait(faults.delay)
        if faults.token_status:
            return "Service unavailable", faults.token_status
        if faults.token_error:
            return jsonify(error=faults.token_error, error_description="Refused by the test"), 400
        return server.create_token_response()

    @app.get("/userinfo")
    def userinfo():
        auth = request.headers.get("Authorization", "")
        value = auth[7:] if auth.startswith("Bearer ") else ""
        entry = provider.access_tokens.get(value)
        if not entry or entry[3] < time.time():
            return jsonify(error="invalid_token"), 401
        user, scope, client_id, _ = entry
        client = provider.clients[client_id]
        claims = identities.userinfo(user, scope.split())
        claims.update({"iss": provider.issuer, "aud": client_id, **provider.faults.userinfo_claims})
        for name in provider.faults.userinfo_drop:
            claims.pop(name, None)
        body = sign_then_encrypt_userinfo(provider, claims, client)
        return body, 200, {"Content-Type": "application/jwt"}


def sign_then_encrypt_userinfo(provider, claims: dict, client) -> str:
    good = Faults()  # the matrix's faults are about the ID token
    return encrypt(sign(claims, provider.keys[0], good), client.public_jwks(), good)


_PAGE = """<!doctype html>
<html lang="{{ locale }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>itsme (local test provider)</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
main{max-width:26rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.3rem}.box{background:#fff;border-radius:.75rem;padding:1rem;margin:1rem 0}
label{display:flex;gap:.6rem;align-items:center;padding:.6rem 0;font-size:1.05rem}
button{font-size:1.05rem;padding:.75rem 1rem;border-radius:.5rem;border:0;width:100%;margin:.3rem 0}
.ok{background:#ff4612;color:#fff}.no{background:#ddd}.err{color:#a00}
small{color:#666}
</style></head><body><main>
<h1>itsme — local test provider</h1>
<p><small>This page plays the signer's itsme app. Nobody real is identified.</small></p>
{% if message %}<p class="err">{{ message }}</p>{% endif %}
<form method="post">
<div class="box">
<p>Share your identity{% if eid %} and your Belgian eID data{% endif %}
 ({{ level }} level) with this service?</p>
{% for key, text in people %}
<label><input type="radio" name="identity" value="{{ key }}"{% if loop.first %} checked{% endif %}>
 {{ text }}</label>
{% endfor %}
</div>
<button class="ok" name="choice" value="approve">Approve</button>
<button class="no" name="choice" value="cancel">Cancel</button>
</form></main></body></html>"""


def _app_page(grant, message: str = ""):
    data = grant.request.payload.data
    acr = (data.get("acr_values") or ACR_BASIC).split()[-1]
    return render_template_string(
        _PAGE,
        people=[(key, identities.label(key)) for key in identities.IDENTITIES],
        eid="eid" in grant.request.payload.scope.split(),
        level="advanced" if acr.endswith("advanced") else "basic",
        locale=(data.get("ui_locales") or "en").split()[0][:5],
        message=message,
    )


def _error_page(error: str, description: str):
    return render_template_string(
        "<!doctype html><meta name=viewport content='width=device-width'>"
        "<title>itsme error</title><h1>{{ e }}</h1><p>{{ d }}</p>",
        e=error,
        d=description or "",
    )
