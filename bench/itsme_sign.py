"""itsme identification speed: the whole flow on loopback, and ID-token validation.

    python bench/itsme_sign.py [--quick] [--seconds 3] [--rounds 4] [--json out.json]

In one process, the local itsme provider (``addons.itsme_sign.local_provider``)
on a loopback port and our relying party (``addons.itsme_sign.oidc``):

* **flow**: one whole identification, as the signer's browser and our
  callback do it: ``RelyingParty.start``, the app page (GET), approve (POST),
  then ``RelyingParty.finish`` (token with ``private_key_jwt``, ID token and
  userinfo decrypted, verified and checked). Against **raw flow**: the same
  HTTP calls made with bare ``requests`` and the same client assertion,
  tokens opened with bare joserfc and no check at all. Both share the
  provider's cost, so the ratio shows what our client adds to a flow.
* **validate**: ``open_token`` + ``check_id_token`` on one ID token (JWE
  RSA-OAEP/A128CBC-HS256 around a JWS RS256), against **bare joserfc**:
  ``jwe.decrypt_compact`` then ``jwt.decode`` with the known key, on the
  same token. Target: validate at least 0.5× bare (as fast or half as fast).
* **stamping** (``bench/itsme_sign_stamping.py``, also run alone): the fields
  stamped on a 20-page PDF, and the whole signed PDF, against the raw pypdf
  write of the same PDF.

The kinds alternate in ``--rounds`` slices of ``--seconds`` each; "× raw" is
the median of the rounds' ratios, so a noisy neighbour hits one round.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from urllib.parse import parse_qs, urlencode, urlparse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests  # noqa: E402
from authlib.oauth2.rfc7523 import private_key_jwt_sign  # noqa: E402
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # noqa: E402
from joserfc import jwe, jwt  # noqa: E402

from addons.itsme_sign.local_provider import LocalClient, LocalProvider  # noqa: E402
from addons.itsme_sign.oidc import ClientKeys, Discovery, RelyingParty  # noqa: E402
from addons.itsme_sign.oidc.claims import ACR_BASIC  # noqa: E402
from addons.itsme_sign.oidc.tokens import Expected, check_id_token, open_token  # noqa: E402
from bench import common  # noqa: E402
from bench import itsme_sign_stamping as stamping_bench  # noqa: E402

CLIENT_ID = "bench"
SERVICE = "BENCH"
REDIRECT = "http://127.0.0.1:5000/itsme_sign/itsme/callback"
TARGET_VALIDATE = 0.5


def _back(answer) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(answer.headers["Location"]).query).items()}


def flow(rp: RelyingParty, http: requests.Session) -> None:
    url, pending = rp.start(acr="basic")
    http.get(url, timeout=10).raise_for_status()
    answer = http.post(
        url, data={"choice": "approve", "identity": "be-anna"}, allow_redirects=False, timeout=10
    )
    rp.finish(_back(answer), pending)


def raw_flow(provider, keys: ClientKeys, http: requests.Session, provider_keys) -> None:
    issuer = provider.issuer
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    verifier += verifier
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "scope": f"openid service:{SERVICE} profile",
            "state": state,
            "nonce": nonce,
            "acr_values": ACR_BASIC,
            "ui_locales": "en",
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    url = f"{issuer}/authorize?{query}"
    http.get(url, timeout=10).raise_for_status()
    answer = http.post(
        url, data={"choice": "approve", "identity": "be-anna"}, allow_redirects=False, timeout=10
    )
    code = _back(answer)["code"]
    signing = keys.signing.signing_key()
    assertion = private_key_jwt_sign(
        signing, CLIENT_ID, f"{issuer}/token", header={"kid": signing.kid}
    )
    token = http.post(
        f"{issuer}/token",
        timeout=10,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": CLIENT_ID,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    ).json()
    info = http.get(
        f"{issuer}/userinfo",
        timeout=10,
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).text
    decryption = keys.encryption.private_keys()
    for value in (token["id_token"], info):
        inner = jwe.decrypt_compact(value, decryption).plaintext
        jwt.decode(inner, provider_keys)


def timed(fn, seconds: float) -> float:
    """Calls per second of ``fn`` during about ``seconds``."""
    count, start = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def alternate(kinds: dict, seconds: float, rounds: int) -> dict:
    rates = {name: [] for name in kinds}
    for r in range(rounds):
        order = list(kinds) if r % 2 == 0 else list(reversed(kinds))
        for name in order:
            rates[name].append(timed(kinds[name], seconds))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds = 0.5, 2

    tmp = tempfile.mkdtemp(prefix="bench-itsme-")
    keys = ClientKeys.at(f"{tmp}/sig.json", f"{tmp}/enc.json")
    provider = LocalProvider(
        [LocalClient(CLIENT_ID, (REDIRECT,), SERVICE, jwks=keys.public_jwks())]
    ).start()
    try:
        discovery = Discovery(provider.discovery_url)
        rp = RelyingParty(
            discovery=discovery,
            keys=keys,
            client_id=CLIENT_ID,
            service_code=SERVICE,
            redirect_uri=REDIRECT,
        )
        http = requests.Session()
        provider_keys = discovery.keys()
        flow(rp, http)  # warm: discovery and keys cached, connections open
        raw_flow(provider, keys, http, provider_keys)

        print(f"itsme identification — {common.machine()}")
        flows = alternate(
            {
                "raw flow": lambda: raw_flow(provider, keys, http, provider_keys),
                "flow": lambda: flow(rp, http),
            },
            args.seconds,
            args.rounds,
        )

        # One real ID token from the provider, for the validation race.
        now = int(time.time())
        claims = {
            "iss": provider.issuer,
            "sub": "s",
            "aud": CLIENT_ID,
            "exp": now + 3600,
            "iat": now,
            "nonce": "n",
            "acr": ACR_BASIC,
        }
        client = provider.clients[CLIENT_ID]
        token = provider.mint(claims, client)
        expected = Expected(provider.issuer, CLIENT_ID, "n", ACR_BASIC)
        decryption = keys.encryption.private_keys()
        signing_key = provider_keys.keys[0]

        def validate():
            check_id_token(open_token(token, decryption, discovery), expected)

        def bare():
            inner = jwe.decrypt_compact(token, decryption).plaintext
            jwt.decode(inner, signing_key)

        validate()
        bare()
        checks = alternate({"bare joserfc": bare, "validate": validate}, args.seconds, args.rounds)
    finally:
        provider.stop()

    def report(rates, name, baseline):
        ratios = [a / b for a, b in zip(rates[name], rates[baseline], strict=True)]
        median = statistics.median(ratios)
        print(
            f"  {name:14} {statistics.median(rates[name]):8.1f}/s   "
            f"{baseline:14} {statistics.median(rates[baseline]):8.1f}/s   "
            f"{median:5.2f}× {baseline} (rounds: " + ", ".join(f"{r:.2f}" for r in ratios) + ")"
        )
        return median

    flow_ratio = report(flows, "flow", "raw flow")
    validate_ratio = report(checks, "validate", "bare joserfc")
    verdict = "meets" if validate_ratio >= TARGET_VALIDATE else "MISSES"
    print(
        f"  validation {verdict} the target of {TARGET_VALIDATE}× bare joserfc; "
        f"load average now {common.load_average()}"
    )
    stamping = stamping_bench.run(args.seconds, args.rounds)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "flows": flows,
                    "checks": checks,
                    "flow_ratio": flow_ratio,
                    "validate_ratio": validate_ratio,
                    "stamping": stamping,
                    "machine": common.machine(),
                },
                fh,
            )


if __name__ == "__main__":
    main()
