"""The local itsme provider on loopback, an app configured for it, and a sent
request whose signer must identify."""

from __future__ import annotations

import pytest

from addons.itsme_sign.local_provider import LocalClient, LocalProvider

CLIENT_ID = "iap-host-test"
SERVICE_CODE = "IAPHOST_SIGN"
CALLBACK = "http://localhost/itsme_sign/itsme/callback"


@pytest.fixture
def provider(tmp_path):
    from addons.itsme_sign.oidc import ClientKeys

    keys = ClientKeys.at(tmp_path / "keys" / "sig.json", tmp_path / "keys" / "enc.json")
    server = LocalProvider(
        [LocalClient(CLIENT_ID, (CALLBACK,), SERVICE_CODE, jwks=keys.public_jwks)]
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def host_config(host_config, provider, tmp_path):
    host_config.update(
        ITSME_DISCOVERY_URL=provider.discovery_url,
        ITSME_CLIENT_ID=CLIENT_ID,
        ITSME_SERVICE_CODE=SERVICE_CODE,
        ITSME_SIGNING_KEY_PATH=str(tmp_path / "keys" / "sig.json"),
        ITSME_ENCRYPTION_KEY_PATH=str(tmp_path / "keys" / "enc.json"),
        ITSME_EID=True,
    )
    return host_config


@pytest.fixture
def signer_link(itsme_sign, ready, link_of):
    """``signer_link(country="BE")``: a sent request whose one signer's role
    requires itsme; returns (signer, the path of the signing link)."""
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Role

    def make(country: str = "BE", email: str = "jan@example.be", language: str = "nl"):
        Role.insert(name="Customer", requires_itsme=True).on_conflict_ignore().execute()
        Role.update(requires_itsme=True).where(Role.name == "Customer").execute()
        sign_request, (signer,) = ready(
            [
                {
                    "name": "Jan Peeters",
                    "email": email,
                    "role": "Customer",
                    "country": country,
                    "language": language,
                }
            ]
        )
        lifecycle.send(sign_request)
        return signer, link_of(email)

    return make
