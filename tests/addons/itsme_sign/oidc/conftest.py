"""A relying party and the local itsme provider on loopback, and one flow driven
over HTTP the way a signer's browser would (the provider's app page, then the
redirect back to us)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from addons.itsme_sign.local_provider import LocalClient, LocalProvider
from addons.itsme_sign.oidc import ClientKeys, Discovery, RelyingParty

CLIENT_ID = "iap-host-test"
SERVICE = "IAPHOST_SIGN"
REDIRECT = "http://127.0.0.1:5000/itsme_sign/callback"
OTHER_REDIRECT = "http://127.0.0.1:5000/itsme_sign/other-callback"


@pytest.fixture
def client_keys(tmp_path):
    return ClientKeys.at(tmp_path / "itsme_signing.json", tmp_path / "itsme_encryption.json")


@pytest.fixture
def provider(client_keys):
    client = LocalClient(
        CLIENT_ID, (REDIRECT, OTHER_REDIRECT), SERVICE, jwks=client_keys.public_jwks
    )
    server = LocalProvider([client]).start()
    yield server
    server.stop()


def make_rp(provider, client_keys, redirect_uri=REDIRECT, **kwargs) -> RelyingParty:
    return RelyingParty(
        discovery=Discovery(provider.discovery_url),
        keys=client_keys,
        client_id=CLIENT_ID,
        service_code=SERVICE,
        redirect_uri=redirect_uri,
        **kwargs,
    )


@pytest.fixture
def rp(provider, client_keys):
    return make_rp(provider, client_keys)


def approve(url: str, identity: str = "be-anna", choice: str = "approve") -> dict:
    """Plays the signer in the itsme app; returns the query of the redirect back to us."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200, page.text
    answer = requests.post(
        url, data={"choice": choice, "identity": identity}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302, answer.text
    location = urlparse(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" in (REDIRECT, OTHER_REDIRECT)
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def identify(rp, *, identity="be-anna", acr="basic", eid=False, locale="en"):
    url, pending = rp.start(acr=acr, eid=eid, locale=locale)
    return rp.finish(approve(url, identity), pending)
