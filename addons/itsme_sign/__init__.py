"""itsme Sign: documents signed online by signers reached by a secret link,
who prove who they are with itsme where their role requires it.

The host loads :mod:`addons.itsme_sign.plugin`. The identification part and
tests may import the names below (see ``README_dev.md``)::

    from addons.itsme_sign import record_identification, signer_from_token
"""

from addons.itsme_sign.signers import (
    LinkError,
    itsme_available,
    itsme_required,
    may_sign,
    record_identification,
    signer_from_token,
    signer_url,
)

__all__ = [
    "LinkError",
    "itsme_available",
    "itsme_required",
    "may_sign",
    "record_identification",
    "signer_from_token",
    "signer_url",
]
