"""Opening itsme's signed-then-encrypted tokens, and the checks of their claims.

A token is trusted only when all of these hold: it is a JWE encrypted to one
of our keys with an algorithm we allow; inside is a JWS whose header names an
asymmetric algorithm we allow and a ``kid`` found in the provider's key set;
the signature verifies with that key; and the claims fit the request.
Everything else (``alg=none``, HS256 keyed with a public key, a bare JWS, a
key we never fetched) is refused before a claim is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from joserfc import jwe, jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from addons.itsme_sign.oidc.claims import acr_satisfies
from addons.itsme_sign.oidc.discovery import Discovery
from addons.itsme_sign.oidc.errors import InvalidResponse

SIGNING_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
KEY_ALGS = ("RSA-OAEP", "RSA-OAEP-256")
CONTENT_ALGS = ("A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "A128GCM", "A256GCM")
CLOCK_SKEW = 30  # seconds of clock difference tolerated on exp and iat


@dataclass(frozen=True)
class Expected:
    """What the claims of an ID token must say for this request."""

    issuer: str
    client_id: str
    nonce: str
    acr: str


def open_token(token: str, decryption_keys: KeySet, discovery: Discovery) -> dict:
    """Decrypt with our keys, verify with the provider's key named by ``kid``;
    returns the claims, not yet checked."""
    if not isinstance(token, str) or token.count(".") != 4:
        raise InvalidResponse("the token is not encrypted")
    try:
        inner = jwe.decrypt_compact(token, decryption_keys, algorithms=KEY_ALGS + CONTENT_ALGS)
    except JoseError as exc:
        raise InvalidResponse("the token is not encrypted to our key") from exc
    signed = inner.plaintext or b""
    try:
        header = jws.extract_compact(signed).headers()
    except (JoseError, ValueError) as exc:
        raise InvalidResponse("the encrypted token holds no signed token") from exc
    alg = header.get("alg")
    if alg not in SIGNING_ALGS:
        raise InvalidResponse(f"the token's signature algorithm {str(alg)[:16]!r} is refused")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidResponse("the token names no signing key")
    key = _provider_key(discovery.keys(kid), kid)
    if key is None:
        raise InvalidResponse("the token is signed with a key itsme does not publish")
    try:
        return jwt.decode(signed, key, algorithms=[alg]).claims
    except JoseError as exc:
        raise InvalidResponse("the token's signature does not verify") from exc


def check_id_token(claims: dict, expected: Expected, now: int | None = None) -> None:
    """iss, aud and azp, exp and iat within the skew, nonce, sub, and acr."""
    options = {
        "iss": {"essential": True, "value": expected.issuer},
        "aud": {"essential": True, "value": expected.client_id},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "sub": {"essential": True},
        "nonce": {"essential": True, "value": expected.nonce},
    }
    registry = jwt.JWTClaimsRegistry(now=now, leeway=CLOCK_SKEW, **options)
    try:
        registry.validate(claims)
    except JoseError as exc:
        claim = getattr(exc, "claim", "") or ""
        raise InvalidResponse(_claim_reason(claim, exc)) from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != expected.client_id:
        raise InvalidResponse("the token was issued to another party (azp)")
    if not acr_satisfies(claims.get("acr"), expected.acr):
        raise InvalidResponse("the level of assurance is lower than requested")


def check_userinfo(claims: dict, *, subject: str, expected: Expected) -> None:
    """The userinfo answer is about the same person, from the same provider, for us."""
    if claims.get("sub") != subject:
        raise InvalidResponse("the user information is about someone else")
    if "iss" in claims and claims["iss"] != expected.issuer:
        raise InvalidResponse("the user information comes from another issuer")
    if "aud" in claims:
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if expected.client_id not in audiences:
            raise InvalidResponse("the user information is meant for another party")


def _provider_key(keyset: KeySet, kid: str):
    for key in keyset.keys:
        if key.kid == kid and key.key_type in ("RSA", "EC"):
            return key
    return None


def _claim_reason(claim: str, exc: JoseError) -> str:
    reasons = {
        "iss": "the token comes from another issuer",
        "aud": "the token is meant for another party",
        "exp": "the token has expired",
        "iat": "the token is dated in the future",
        "nonce": "the token does not answer this request (nonce)",
        "sub": "the token names nobody",
    }
    return reasons.get(claim, f"the token's claims are invalid ({json.dumps(claim)})")
