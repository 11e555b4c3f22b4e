"""The identification's keys of the addon's config contract (``ITSME_*``).

``addons/itsme_sign/config.py`` adds :data:`KEYS` to the addon's ``Config``;
the README's itsme Sign table documents each one.
"""

from __future__ import annotations

from wtforms import BooleanField, Form

from host import ConfigKey

CALLBACK_PATH = "/itsme_sign/itsme/callback"
JWKS_PATH = "/itsme_sign/itsme/jwks.json"

KEYS = (
    ConfigKey(
        name="ITSME_DISCOVERY_URL",
        default="",
        example="https://idp.e2e.itsme.services/v2/.well-known/openid-configuration",
        announce=True,
        meaning="itsme's OpenID discovery document; unset: itsme identification is off "
        "(`make run` points it at the local test provider)",
    ),
    ConfigKey(
        name="ITSME_CLIENT_ID",
        default="",
        example="my-client-id",
        meaning="The client id itsme gave this site",
    ),
    ConfigKey(
        name="ITSME_SERVICE_CODE",
        default="",
        example="MYCOMPANY_SIGN",
        meaning="The itsme service code (asked as the scope `service:<code>`)",
    ),
    ConfigKey(
        name="ITSME_REDIRECT_URI",
        default="",
        example="https://sign.example.com/itsme_sign/itsme/callback",
        meaning=f"The redirect URI registered at itsme; unset: `HOST_BASE_URL` + `{CALLBACK_PATH}`",
    ),
    ConfigKey(
        name="ITSME_SIGNING_KEY_PATH",
        default="",
        example="/etc/iap/itsme_signing_keys.json",
        meaning="Our private signing keys (JWKS, 0600, made on first use); unset: "
        "`itsme_signing_keys.json` in the instance folder",
    ),
    ConfigKey(
        name="ITSME_ENCRYPTION_KEY_PATH",
        default="",
        example="/etc/iap/itsme_encryption_keys.json",
        meaning="Our private decryption keys (JWKS, 0600, made on first use); unset: "
        "`itsme_encryption_keys.json` in the instance folder",
    ),
    ConfigKey(
        name="ITSME_KEY_ROTATION_DAYS",
        default=90,
        type=int,
        minimum=1,
        meaning="Days a key of ours is used before a new one replaces it",
    ),
    ConfigKey(
        name="ITSME_KEY_OVERLAP_DAYS",
        default=7,
        type=int,
        minimum=1,
        meaning="Days a replaced key still decrypts and stays published at our JWKS URL "
        f"(`{JWKS_PATH}`)",
    ),
    ConfigKey(
        name="ITSME_ACR",
        default="advanced",
        choices=("basic", "advanced"),
        example="basic",
        meaning="The level of assurance asked (`basic` or `advanced`); a lower answer is refused",
    ),
    ConfigKey(
        name="ITSME_EID",
        default=False,
        type=bool,
        example=True,
        meaning="Also ask the `eid` scope (Belgian eID data) for signers in Belgium; never "
        "asked for Dutch signers",
    ),
    ConfigKey(
        name="ITSME_STORE_NATIONAL_NUMBER",
        default=False,
        type=bool,
        editable=True,
        example=True,
        meaning="Keep the Belgian national number with the signature (needs `ITSME_EID`); "
        "off: it is never stored",
    ),
    ConfigKey(
        name="ITSME_TIMEOUT",
        default=10,
        type=float,
        minimum=1,
        meaning="Seconds itsme may take to answer one call",
    ),
)


class SettingsForm(Form):
    """The itsme block of the Settings page: the admin's switch for national numbers."""

    store_national_number = BooleanField()
