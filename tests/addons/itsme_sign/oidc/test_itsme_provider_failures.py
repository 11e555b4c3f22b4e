"""Bad input from the provider's side: down, slow, refusing, or misconfigured.
Each ends in a clear OidcError, never in an identity."""

from __future__ import annotations

import json
import socket
from http.server import BaseHTTPRequestHandler

import pytest

from addons.itsme_sign.oidc import (
    ClientKeys,
    Discovery,
    DiscoveryError,
    ProviderRefused,
    ProviderUnavailable,
    RelyingParty,
)
from tests.loopback import LoopbackServer

from .conftest import CLIENT_ID, REDIRECT, SERVICE, approve, identify, make_rp


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_provider_that_is_down_is_reported(client_keys):
    port = _free_port()
    rp = RelyingParty(
        discovery=Discovery(f"http://127.0.0.1:{port}/.well-known/openid-configuration"),
        keys=client_keys,
        client_id=CLIENT_ID,
        service_code=SERVICE,
        redirect_uri=REDIRECT,
    )
    with pytest.raises(ProviderUnavailable, match="cannot be reached"):
        rp.start()


def test_a_provider_gone_between_the_app_and_the_callback_is_reported(rp, provider):
    url, pending = rp.start()
    params = approve(url)
    provider.stop()
    with pytest.raises(ProviderUnavailable, match="cannot be reached \\(token\\)"):
        rp.finish(params, pending)


def test_a_token_endpoint_that_times_out_is_reported(provider, client_keys):
    rp = make_rp(provider, client_keys, timeout=0.5)
    url, pending = rp.start()
    params = approve(url)
    provider.faults.delay = 5
    with pytest.raises(ProviderUnavailable, match="did not answer in time"):
        rp.finish(params, pending)


def test_a_token_endpoint_error_is_reported(rp, provider):
    provider.faults.token_error = "server_error"
    with pytest.raises(ProviderRefused, match="refused the identification \\(server_error\\)"):
        identify(rp)


def test_a_token_endpoint_answering_503_without_json_is_reported(rp, provider):
    provider.faults.token_status = 503
    with pytest.raises(ProviderUnavailable, match="answered 503 \\(token\\)"):
        identify(rp)


def test_a_client_whose_assertion_is_signed_with_another_key_is_refused(provider, tmp_path):
    strangers = ClientKeys.at(tmp_path / "s.json", tmp_path / "e.json")
    rp = make_rp(provider, strangers)
    with pytest.raises(ProviderRefused) as refused:
        identify(rp)
    assert refused.value.error == "invalid_client"


class _Documents(LoopbackServer):
    """Serves fixed JSON documents by path: a provider with a broken configuration."""

    def __init__(self, documents: dict):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(outer.documents.get(self.path, {})).encode()
                self.send_response(200 if self.path in outer.documents else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.documents = documents
        self._listen(Handler)


@pytest.fixture
def documents():
    server = _Documents({}).start()
    yield server
    server.stop()


def _discovery(origin: str, **drop) -> dict:
    doc = {
        "issuer": origin,
        "authorization_endpoint": f"{origin}/authorize",
        "token_endpoint": f"{origin}/token",
        "userinfo_endpoint": f"{origin}/userinfo",
        "jwks_uri": f"{origin}/jwks",
    }
    for name in drop:
        doc.pop(name)
    return doc


def test_a_discovery_document_missing_keys_is_reported(documents):
    documents.documents["/d"] = _discovery(documents.origin, jwks_uri=1, token_endpoint=1)
    with pytest.raises(DiscoveryError, match="lacks token_endpoint, jwks_uri"):
        Discovery(f"{documents.origin}/d").metadata()


def test_a_key_set_without_keys_is_reported(documents):
    documents.documents["/d"] = _discovery(documents.origin)
    documents.documents["/jwks"] = {"keys": []}
    with pytest.raises(DiscoveryError, match="holds no keys"):
        Discovery(f"{documents.origin}/d").keys()


def test_a_missing_discovery_document_is_reported(documents):
    with pytest.raises(ProviderUnavailable, match="answered 404 \\(discovery document\\)"):
        Discovery(f"{documents.origin}/nothing").metadata()


def test_discovery_and_keys_are_fetched_once_for_several_identifications(rp, provider):
    identify(rp)
    identify(rp, identity="nl-sanne")
    assert provider.requests.count("/.well-known/openid-configuration") == 1
    assert provider.requests.count("/jwks") == 1
    assert provider.requests.count("/token") == 2
