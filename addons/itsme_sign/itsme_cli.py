"""``iap-host itsme-sign provider | rotate-keys``: the local itsme provider
for ``make run``, and a rotation of our keys on demand."""

from __future__ import annotations

import click
from flask import current_app

from addons.itsme_sign import itsme_client
from addons.itsme_sign.oidc.config import JWKS_PATH


@click.group("itsme-sign")
def itsme_sign_cli():
    """itsme identification for itsme Sign."""


@itsme_sign_cli.command("provider")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5077, show_default=True, type=int)
def provider(host: str, port: int):
    """Serve the local itsme test provider (fictional identities, offline).

    It registers this site as its client: ITSME_CLIENT_ID, ITSME_SERVICE_CODE,
    the redirect URI, and our JWKS fetched from HOST_BASE_URL. Point
    ITSME_DISCOVERY_URL at http://HOST:PORT/.well-known/openid-configuration.
    """
    from addons.itsme_sign.local_provider import LocalClient, LocalProvider

    config = current_app.config
    client_id = config["ITSME_CLIENT_ID"] or "iap-host-local"
    service = config["ITSME_SERVICE_CODE"] or "IAPHOST_LOCAL"
    jwks_uri = config["HOST_BASE_URL"].rstrip("/") + JWKS_PATH
    client = LocalClient(client_id, (itsme_client.redirect_uri(),), service, jwks_uri=jwks_uri)
    server = LocalProvider([client], host=host, port=port, quiet=False)
    click.echo(
        f"Local itsme provider (test identities only) at {server.discovery_url}; "
        f"client {client_id}, service {service}, our keys from {jwks_uri}"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@itsme_sign_cli.command("rotate-keys")
def rotate_keys():
    """Make new signing and encryption keys now; the old ones stay valid for the overlap."""
    keys = itsme_client.client_keys()
    signing, encryption = keys.signing.rotate(), keys.encryption.rotate()
    click.echo(f"New keys: signing {signing}, encryption {encryption}.")


def register(cli: click.Group) -> None:
    if "itsme-sign" not in cli.commands:
        cli.add_command(itsme_sign_cli)
