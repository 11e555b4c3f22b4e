"""The relying party: the authorization request, then the code's exchange and checks.

``start`` returns the URL to send the signer to and a :class:`PendingRequest`
that the caller keeps on the server (its state, nonce and PKCE verifier never
leave our side except as the provider's protocol says).
``finish`` takes the callback's query and that pending request and returns
the verified :class:`Identity`, or raises an :class:`OidcError`.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT

from addons.itsme_sign.oidc.claims import ACR_BY_NAME, BE_NATIONAL_NUMBER, Identity, scope
from addons.itsme_sign.oidc.discovery import Discovery
from addons.itsme_sign.oidc.errors import (
    InvalidResponse,
    OidcError,
    ProviderRefused,
    ProviderUnavailable,
)
from addons.itsme_sign.oidc.keys import ClientKeys
from addons.itsme_sign.oidc.tokens import Expected, check_id_token, check_userinfo, open_token

# An identification not finished within this time must start again.
PENDING_TTL = 900


@dataclass(frozen=True)
class PendingRequest:
    """One authorization request in flight, kept on the server until its callback."""

    state: str
    nonce: str
    code_verifier: str
    acr: str
    eid: bool
    created: float

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> PendingRequest:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Result:
    identity: Identity
    id_token_claims: dict


class RelyingParty:
    def __init__(
        self,
        *,
        discovery: Discovery,
        keys: ClientKeys,
        client_id: str,
        service_code: str,
        redirect_uri: str,
        timeout: float = 10.0,
    ):
        self.discovery = discovery
        self.keys = keys
        self.client_id = client_id
        self.service_code = service_code
        self.redirect_uri = redirect_uri
        self.timeout = timeout

    # -- the way out ---------------------------------------------------------

    def start(self, *, acr: str = "basic", locale: str = "en", eid: bool = False):
        """``(authorization URL, PendingRequest)``; ``eid`` only for Belgian documents."""
        if acr not in ACR_BY_NAME:
            raise ValueError(f"acr must be one of {sorted(ACR_BY_NAME)}, not {acr!r}")
        metadata = self.discovery.metadata()
        pending = PendingRequest(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            acr=ACR_BY_NAME[acr],
            eid=eid,
            created=time.time(),
        )
        session = self._session()
        session.scope = scope(self.service_code, eid=eid)
        url, _ = session.create_authorization_url(
            metadata.authorization_endpoint,
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
            acr_values=pending.acr,
            ui_locales=locale,
        )
        return url, pending

    # -- the way back ----------------------------------------------------------

    def finish(self, params: Mapping[str, str], pending: PendingRequest) -> Result:
        state = params.get("state") or ""
        if not hmac.compare_digest(state.encode(), pending.state.encode()):
            raise InvalidResponse("the answer does not belong to this identification (state)")
        if time.time() - pending.created > PENDING_TTL:
            raise OidcError("The identification took too long; start it again.")
        if params.get("error"):
            raise ProviderRefused(params["error"][:64], params.get("error_description", ""))
        code = params.get("code")
        if not code:
            raise InvalidResponse("the answer carries no authorization code")

        metadata = self.discovery.metadata()
        token = self._exchange(metadata.token_endpoint, code, pending)
        expected = Expected(metadata.issuer, self.client_id, pending.nonce, pending.acr)
        decryption = self.keys.encryption.private_keys()
        claims = open_token(token.get("id_token", ""), decryption, self.discovery)
        check_id_token(claims, expected)

        info = self._userinfo(metadata.userinfo_endpoint, token.get("access_token", ""))
        userinfo = open_token(info, decryption, self.discovery)
        check_userinfo(userinfo, subject=claims["sub"], expected=expected)

        merged = {**userinfo, **{k: v for k, v in claims.items() if k in ("sub", "acr")}}
        if not pending.eid:
            merged.pop(BE_NATIONAL_NUMBER, None)  # never kept unless asked for
        identity = Identity.from_claims(merged, acr=claims["acr"])
        if not identity.name:
            raise InvalidResponse("itsme gave no verified name")
        return Result(identity, claims)

    # -- HTTP ----------------------------------------------------------------

    def _session(self) -> OAuth2Session:
        signing = self.keys.signing.signing_key()
        session = OAuth2Session(
            client_id=self.client_id,
            client_secret=signing,
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method=PrivateKeyJWT(headers={"kid": signing.kid}),
            code_challenge_method="S256",
        )
        return session

    def _exchange(self, token_endpoint: str, code: str, pending: PendingRequest) -> dict:
        session = self._session()
        try:
            token = session.fetch_token(
                token_endpoint,
                code=code,
                code_verifier=pending.code_verifier,
                redirect_uri=self.redirect_uri,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise ProviderUnavailable("itsme did not answer in time (token).") from exc
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "an error"
            raise ProviderUnavailable(f"itsme answered {status} (token).") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable("itsme cannot be reached (token).") from exc
        except AuthlibBaseError as exc:
            error = str(exc.error or "server_error")[:64]
            raise ProviderRefused(error, exc.description or "") from exc
        except ValueError as exc:  # not JSON
            raise ProviderUnavailable("itsme sent an unreadable answer (token).") from exc
        return dict(token)

    def _userinfo(self, url: str, access_token: str) -> str:
        try:
            response = requests.get(
                url,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt"},
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise ProviderUnavailable("itsme did not answer in time (userinfo).") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable("itsme cannot be reached (userinfo).") from exc
        if response.status_code != 200:
            raise ProviderUnavailable(f"itsme answered {response.status_code} (userinfo).")
        return response.text.strip()
