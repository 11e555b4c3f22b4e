"""How the local provider mints its signed-then-encrypted tokens, and how a
test makes it mint a bad one (the security matrix).

``Faults`` is read at every token: a test sets a field, runs a flow, and
the relying party must refuse what comes out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from joserfc import jwe, jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class Faults:
    """What the next tokens and answers do wrong; the defaults do nothing wrong."""

    claims: dict = field(default_factory=dict)  # overrides of the ID token's claims
    drop_claims: tuple = ()  # claims removed from the ID token
    sign: str = "good"  # good | tampered | none | hs256_public | unknown_kid
    encrypt: str = "good"  # good | other_key | plain
    acr: str | None = None  # the acr returned whatever was asked
    userinfo_claims: dict = field(default_factory=dict)  # overrides of the userinfo's claims
    userinfo_drop: tuple = ()  # claims removed from the userinfo
    token_error: str | None = None  # the token endpoint answers 400 with this error
    token_status: int | None = None  # the token endpoint answers this status, no JSON
    delay: float = 0.0  # seconds the token endpoint waits before answering

    def reset(self) -> None:
        self.__init__()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict, key: RSAKey, faults: Faults) -> str:
    header = {"alg": "RS256", "kid": key.kid, "typ": "JWT"}
    if faults.sign == "none":
        header = {"alg": "none", "kid": key.kid, "typ": "JWT"}
        return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}."
    if faults.sign == "hs256_public":
        # The classic confusion: HMAC keyed with the provider's published public key.
        header = {"alg": "HS256", "kid": key.kid, "typ": "JWT"}
        secret = key.as_pem(private=False)
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64(mac)}"
    if faults.sign == "unknown_kid":
        stranger = RSAKey.generate_key(2048, private=True, auto_kid=True)
        return jwt.encode({**header, "kid": stranger.kid}, claims, stranger, algorithms=["RS256"])
    token = jwt.encode(header, claims, key, algorithms=["RS256"])
    if faults.sign == "tampered":
        head, payload, signature = token.split(".")
        changed = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        changed["sub"] = "someone-else"
        token = f"{head}.{b64(json.dumps(changed).encode())}.{signature}"
    return token


def encrypt(signed: str, client_jwks: dict, faults: Faults) -> str:
    if faults.encrypt == "plain":
        return signed
    if faults.encrypt == "other_key":
        key = RSAKey.generate_key(2048, private=False, auto_kid=True)
    else:
        keys = [k for k in client_jwks.get("keys", []) if k.get("use") == "enc"]
        if not keys:
            raise LookupError("the client publishes no encryption key")
        key = KeySet.import_key_set({"keys": keys[:1]}).keys[0]
    header = {"alg": "RSA-OAEP", "enc": "A128CBC-HS256", "kid": key.kid, "cty": "JWT"}
    return jwe.encrypt_compact(
        header, signed.encode(), key, algorithms=["RSA-OAEP", "A128CBC-HS256"]
    )
