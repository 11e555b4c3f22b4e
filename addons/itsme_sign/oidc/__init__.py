"""An OpenID Connect relying party for itsme, with no Flask in it.

authlib builds the requests (PKCE S256, ``private_key_jwt``), joserfc opens
the signed-then-encrypted tokens, and every check of the answer lives in
:mod:`.tokens`. The addon's blueprint keeps the pending request in the
signer's session and stores the :class:`Identity` that ``finish`` returns.
"""

from addons.itsme_sign.oidc.claims import ACR_ADVANCED, ACR_BASIC, COUNTRIES, Identity
from addons.itsme_sign.oidc.client import PendingRequest, RelyingParty, Result
from addons.itsme_sign.oidc.discovery import Discovery
from addons.itsme_sign.oidc.errors import (
    DiscoveryError,
    InvalidResponse,
    OidcError,
    ProviderRefused,
    ProviderUnavailable,
)
from addons.itsme_sign.oidc.keys import ClientKeys, KeyFile, KeyPolicy

__all__ = [
    "ACR_ADVANCED",
    "ACR_BASIC",
    "COUNTRIES",
    "ClientKeys",
    "Discovery",
    "DiscoveryError",
    "Identity",
    "InvalidResponse",
    "KeyFile",
    "KeyPolicy",
    "OidcError",
    "PendingRequest",
    "ProviderRefused",
    "ProviderUnavailable",
    "RelyingParty",
    "Result",
]
