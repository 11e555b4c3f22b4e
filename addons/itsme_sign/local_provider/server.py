"""A local OpenID provider that behaves like itsme, built on authlib's server side.

It serves the discovery document, its JWKS, the authorization endpoint (a
page playing the user's itsme app: choose a test identity, approve or
cancel), the token endpoint (``private_key_jwt`` only, PKCE S256 required,
codes used once, the redirect URI checked) and userinfo, with itsme's scope
and claim names and tokens signed then encrypted to the client's key.
``make run`` starts it (``iap-host itsme-sign provider``); tests start it on
a free loopback port. It keeps everything in memory.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import grants as oidc_grants
from flask import Flask, request
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

from addons.itsme_sign.local_provider import identities, routes
from addons.itsme_sign.local_provider.tokens import Faults, encrypt, sign
from addons.itsme_sign.oidc.claims import ACR_BASIC, ACR_RANK

CODE_TTL = 60
ACCESS_TTL = 300


@dataclass
class LocalClient:
    """A registered relying party: its public keys are ``jwks`` (a callable
    returning the JWKS, for tests) or fetched from ``jwks_uri``."""

    client_id: str
    redirect_uris: tuple[str, ...]
    service_code: str
    jwks: object = None
    jwks_uri: str | None = None

    def public_jwks(self) -> dict:
        if self.jwks is not None:
            return self.jwks() if callable(self.jwks) else self.jwks
        return requests.get(self.jwks_uri, timeout=5).json()

    # authlib's ClientMixin
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        allowed = {"openid", "profile", "eid", f"service:{self.service_code}"}
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return False

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "private_key_jwt"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str
    acr: str
    user: str
    code_challenge: str
    code_challenge_method: str
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return self.acr

    def get_amr(self):
        return None


class LocalProvider:
    """The provider, its keys and its memory; ``start()`` serves it on loopback."""

    def __init__(
        self,
        clients: list[LocalClient],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        quiet: bool = True,
    ):
        self.clients = {c.client_id: c for c in clients}
        self.faults = Faults()
        self.keys: list[RSAKey] = [RSAKey.generate_key(2048, private=True, auto_kid=True)]
        self.codes: dict[str, _Code] = {}
        self.access_tokens: dict[str, tuple[str, str, str, float]] = {}
        self.assertions_seen: set[str] = set()
        self.requests: list[str] = []  # the paths asked, in order (tests count them)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.app = self._build_app()
        handler = _QuietHandler if quiet else WSGIRequestHandler
        self._server = make_server(host, port, self.app, threaded=True, request_handler=handler)
        self._thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------

    @property
    def issuer(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> LocalProvider:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def rotate_keys(self) -> str:
        """A new signing key signs from now on; the old one stays published."""
        key = RSAKey.generate_key(2048, private=True, auto_kid=True)
        with self._lock:
            self.keys.insert(0, key)
        return key.kid

    def jwks(self) -> dict:
        keys = []
        for key in self.keys:
            keys.append({**key.as_dict(private=False), "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    # -- tokens ------------------------------------------------------------------

    def mint(self, claims: dict, client: LocalClient) -> str:
        return encrypt(sign(claims, self.keys[0], self.faults), client.public_jwks(), self.faults)

    def id_token_claims(self, code: _Code) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": identities.IDENTITIES[code.user]["sub"],
            "aud": code.client_id,
            "exp": now + 300,
            "iat": now,
            "auth_time": code.auth_time,
            "nonce": code.nonce,
            "acr": self.faults.acr or code.acr,
            "amr": ["app"],
        }
        claims.update(self.faults.claims)
        for name in self.faults.drop_claims:
            claims.pop(name, None)
        return claims

    # -- the Flask app -----------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask(__name__)
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": ACCESS_TTL}
        server = AuthorizationServer(app, query_client=self.clients.get, save_token=self._save)
        server.register_client_auth_method("private_key_jwt", _ClientAssertion(self))
        server.register_grant(
            _make_code_grant(self), [_OpenIDCode(self, require_nonce=True), CodeChallenge(True)]
        )
        self.server = server
        app.before_request(lambda: self.requests.append(request.path))
        routes.add(app, self, server)
        return app

    def _save(self, token: dict, oauth_request) -> None:
        with self._lock:
            self.access_tokens[token["access_token"]] = (
                oauth_request.user,
                token.get("scope", ""),
                oauth_request.client.client_id,
                time.time() + ACCESS_TTL,
            )


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class _ClientAssertion(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, provider: LocalProvider):
        super().__init__(leeway=30)
        self.provider = provider

    def get_audiences(self):
        return [f"{self.provider.issuer}/token", self.provider.issuer]

    def validate_jti(self, claims, jti):
        key = f"{claims['sub']}:{jti}"
        with self.provider._lock:
            if key in self.provider.assertions_seen:
                return False
            self.provider.assertions_seen.add(key)
        return True

    def resolve_client_public_key(self, client):
        keys = [k for k in client.public_jwks().get("keys", []) if k.get("use") == "sig"]
        return KeySet.import_key_set({"keys": keys})


def _make_code_grant(provider: LocalProvider):
    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]

        def save_authorization_code(self, code, oauth_request):
            data = oauth_request.payload.data
            requested = (data.get("acr_values") or ACR_BASIC).split()
            acr = max(requested, key=lambda a: ACR_RANK.get(a, 0))
            item = _Code(
                code=code,
                client_id=oauth_request.client.client_id,
                redirect_uri=oauth_request.payload.redirect_uri,
                scope=oauth_request.payload.scope,
                nonce=data.get("nonce", ""),
                acr=acr if acr in ACR_RANK else ACR_BASIC,
                user=oauth_request.user,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )
            with provider._lock:
                provider.codes[code] = item

        def query_authorization_code(self, code, client):
            item = provider.codes.get(code)
            fresh = item and time.time() - item.auth_time <= CODE_TTL
            return item if fresh and item.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code):
            with provider._lock:
                provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.user

    return CodeGrant


class _OpenIDCode(oidc_grants.OpenIDCode):
    def __init__(self, provider: LocalProvider, require_nonce: bool):
        super().__init__(require_nonce=require_nonce)
        self.provider = provider

    def exists_nonce(self, nonce, oauth_request):
        return any(code.nonce == nonce for code in self.provider.codes.values())

    def process_token(self, grant, response):
        _, token, _ = response
        code = grant.request.authorization_code
        token["id_token"] = self.provider.mint(
            self.provider.id_token_claims(code), grant.request.client
        )
        return token
