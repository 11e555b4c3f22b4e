"""The itsme_sign addon's configuration contract (``ITSME_*``).

The signing app's keys are ``ITSME_SIGN_*``. The identification part
(``addons/itsme_sign/oidc/``) declares its own keys in
``addons.itsme_sign.oidc.config.KEYS``; they join this contract when that
module exists, so each half of the addon owns its keys.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import current_app

from host import AddonSettings, Config, ConfigKey

SIGN_KEYS = (
    ConfigKey(
        name="ITSME_SIGN_LINK_DAYS",
        default=14,
        type=int,
        minimum=1,
        meaning="Days a signer's link stays valid; a request not signed by then is `expired`",
    ),
    ConfigKey(
        name="ITSME_SIGN_MAX_FILE_SIZE",
        default=20 * 1024 * 1024,
        type=int,
        minimum=1024,
        meaning="Larger uploads are refused (bytes)",
    ),
    ConfigKey(
        name="ITSME_SIGN_MAX_PAGES",
        default=50,
        type=int,
        minimum=1,
        meaning="Longer PDFs are refused before any work",
    ),
    ConfigKey(
        name="ITSME_SIGN_COMPLETION_ATTEMPTS",
        default=5,
        type=int,
        minimum=1,
        meaning="Failed attempts at making a signed PDF before the request becomes failed "
        "with the error and its sender is mailed (the sweep then stops retrying it)",
    ),
    ConfigKey(
        name="ITSME_SIGN_KEY_DIR",
        default="",
        example="/srv/iap/keys",
        meaning="Folder of the instance's signing key and certificate (`itsme_sign_key.pem`, "
        "`itsme_sign_cert.pem`, made on first use, the key 0600); empty: the instance folder",
    ),
)


def _identification_form():
    if importlib.util.find_spec("addons.itsme_sign.oidc.config") is None:
        return None
    from addons.itsme_sign.oidc.config import SettingsForm

    return SettingsForm


def _identification_keys() -> tuple[ConfigKey, ...]:
    if importlib.util.find_spec("addons.itsme_sign.oidc") is None:
        return ()
    if importlib.util.find_spec("addons.itsme_sign.oidc.config") is None:
        return ()
    from addons.itsme_sign.oidc.config import KEYS

    return tuple(KEYS)


CONFIG = Config("ITSME", *SIGN_KEYS, *_identification_keys(), form=_identification_form())
SETTINGS = AddonSettings("itsme_sign", CONFIG)


def link_days() -> int:
    return int(current_app.config["ITSME_SIGN_LINK_DAYS"])


def completion_attempts() -> int:
    return int(current_app.config["ITSME_SIGN_COMPLETION_ATTEMPTS"])


def key_dir() -> Path:
    configured = current_app.config["ITSME_SIGN_KEY_DIR"]
    return Path(configured) if configured else Path(current_app.instance_path)
