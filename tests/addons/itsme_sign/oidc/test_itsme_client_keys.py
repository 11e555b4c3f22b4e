"""Our signing and encryption keys: made on first use, private to us, rotated
with an overlap during which the old key still decrypts and is published."""

from __future__ import annotations

import json
import multiprocessing
import stat

import pytest
from joserfc import jwe
from joserfc.jwk import KeySet

from addons.itsme_sign.oidc import InvalidResponse, KeyFile, KeyPolicy
from addons.itsme_sign.oidc.tokens import open_token

DAY = 86400
POLICY = KeyPolicy(rotate_after=30 * DAY, overlap=2 * DAY)


def test_keys_are_made_on_first_use_in_files_only_we_can_read(tmp_path):
    path = tmp_path / "instance" / "itsme_encryption.json"
    keys = KeyFile(path, "enc", POLICY)
    assert not path.exists()
    jwks = keys.public_jwks()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (public,) = jwks["keys"]
    assert (public["use"], public["alg"], public["kty"]) == ("enc", "RSA-OAEP", "RSA")
    assert "d" not in public and "p" not in public  # never the private part
    assert "d" in json.loads(path.read_text())["keys"][0]["jwk"]
    assert KeyFile(path, "enc", POLICY).public_jwks() == jwks  # read back, not made again


def test_rotation_keeps_the_old_key_during_the_overlap_then_drops_it(tmp_path):
    keys = KeyFile(tmp_path / "sig.json", "sig", POLICY)
    t0 = 1_000_000_000
    first = keys.signing_key(now=t0).kid
    assert keys.signing_key(now=t0 + 29 * DAY).kid == first
    second = keys.signing_key(now=t0 + 30 * DAY).kid
    assert second != first
    published = [k["kid"] for k in keys.public_jwks(now=t0 + 31 * DAY)["keys"]]
    assert published == [second, first]
    assert [k["kid"] for k in keys.public_jwks(now=t0 + 32 * DAY)["keys"]] == [second]


def test_a_token_encrypted_to_the_previous_key_still_opens_during_the_overlap(
    tmp_path, provider, rp
):
    """The provider cached our JWKS before we rotated: it encrypts to the old key."""
    old_jwks = rp.keys.encryption.public_jwks()
    rp.keys.encryption.rotate()
    assert len(rp.keys.public_jwks()["keys"]) == 3  # one signing key, two encryption keys
    claims = {"sub": "x", "iss": provider.issuer}
    token = _encrypt_for(provider, old_jwks, claims)
    assert open_token(token, rp.keys.encryption.private_keys(), rp.discovery)["sub"] == "x"
    stranger = KeyFile(tmp_path / "other.json", "enc", POLICY)
    with pytest.raises(InvalidResponse, match="not encrypted to our key"):
        open_token(
            _encrypt_for(provider, stranger.public_jwks(), claims),
            rp.keys.encryption.private_keys(),
            rp.discovery,
        )


def _encrypt_for(provider, jwks: dict, claims: dict) -> str:
    from addons.itsme_sign.local_provider.tokens import Faults, sign

    key = KeySet.import_key_set(jwks).keys[0]
    header = {"alg": "RSA-OAEP", "enc": "A128CBC-HS256", "kid": key.kid}
    return jwe.encrypt_compact(header, sign(claims, provider.keys[0], Faults()).encode(), key)


def _first_key(path: str, queue) -> None:
    queue.put(KeyFile(path, "sig", POLICY).signing_key().kid)


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path = str(tmp_path / "sig.json")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_first_key, args=(path, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    kids = {queue.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=10)
    assert len(kids) == 1
    assert len(json.loads((tmp_path / "sig.json").read_text())["keys"]) == 1
