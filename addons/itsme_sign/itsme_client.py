"""The relying party made from the ``ITSME_*`` settings (``oidc/config.py``).

One :class:`RelyingParty` per app (``app.extensions``) keeps the discovery
document, the provider's keys and our imported keys cached between requests.
"""

from __future__ import annotations

import os

from flask import current_app

from addons.itsme_sign import config
from addons.itsme_sign.oidc import ClientKeys, Discovery, KeyPolicy, RelyingParty
from addons.itsme_sign.oidc.config import CALLBACK_PATH
from addons.itsme_sign.oidc.keys import DAY


def configured() -> bool:
    config = current_app.config
    return all(
        config.get(k) for k in ("ITSME_DISCOVERY_URL", "ITSME_CLIENT_ID", "ITSME_SERVICE_CODE")
    )


def store_national_number() -> bool:
    """The admin's switch (Settings page), else ``ITSME_STORE_NATIONAL_NUMBER``."""
    return bool(config.SETTINGS.get("store_national_number"))


def redirect_uri() -> str:
    config = current_app.config
    return config.get("ITSME_REDIRECT_URI") or config["HOST_BASE_URL"].rstrip("/") + CALLBACK_PATH


def client_keys(app=None) -> ClientKeys:
    app = app or current_app._get_current_object()
    found = app.extensions.get("itsme_sign.keys")
    if found is None:
        config = app.config
        policy = KeyPolicy(
            rotate_after=config["ITSME_KEY_ROTATION_DAYS"] * DAY,
            overlap=config["ITSME_KEY_OVERLAP_DAYS"] * DAY,
        )
        signing = config.get("ITSME_SIGNING_KEY_PATH") or os.path.join(
            app.instance_path, "itsme_signing_keys.json"
        )
        encryption = config.get("ITSME_ENCRYPTION_KEY_PATH") or os.path.join(
            app.instance_path, "itsme_encryption_keys.json"
        )
        found = app.extensions["itsme_sign.keys"] = ClientKeys.at(signing, encryption, policy)
    return found


def relying_party() -> RelyingParty:
    app = current_app._get_current_object()
    config = app.config
    signature = (
        config["ITSME_DISCOVERY_URL"],
        config["ITSME_CLIENT_ID"],
        config["ITSME_SERVICE_CODE"],
        redirect_uri(),
        config["ITSME_TIMEOUT"],
    )
    cached = app.extensions.get("itsme_sign.rp")
    if cached is None or cached[0] != signature:
        rp = RelyingParty(
            discovery=Discovery(config["ITSME_DISCOVERY_URL"], timeout=config["ITSME_TIMEOUT"]),
            keys=client_keys(app),
            client_id=config["ITSME_CLIENT_ID"],
            service_code=config["ITSME_SERVICE_CODE"],
            redirect_uri=signature[3],
            timeout=config["ITSME_TIMEOUT"],
        )
        cached = app.extensions["itsme_sign.rp"] = (signature, rp)
    return cached[1]
