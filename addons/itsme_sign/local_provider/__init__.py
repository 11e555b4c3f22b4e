"""A local identity provider that mimics itsme, for tests and ``make run``.

Not part of a production set-up: the relying party in ``addons.itsme_sign.oidc``
talks to it over HTTP exactly as it talks to itsme.
"""

from addons.itsme_sign.local_provider.identities import IDENTITIES
from addons.itsme_sign.local_provider.server import LocalClient, LocalProvider
from addons.itsme_sign.local_provider.tokens import Faults

__all__ = ["IDENTITIES", "Faults", "LocalClient", "LocalProvider"]
