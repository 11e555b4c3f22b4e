"""What can go wrong in an identification, each with a message a signer may read.

The message never carries a token, a key or a claim's value: it is shown on
the signer's page and written to the log.
"""

from __future__ import annotations


class OidcError(Exception):
    """An identification that did not complete; ``str(error)`` is safe to show."""


class ProviderUnavailable(OidcError):
    """The provider did not answer (down, timing out, a broken answer)."""


class DiscoveryError(OidcError):
    """The provider's discovery document or key set is missing or incomplete."""


class ProviderRefused(OidcError):
    """The provider answered with an OAuth error (``access_denied``, ``invalid_grant``…)."""

    def __init__(self, error: str, description: str = ""):
        self.error = error
        self.description = description
        if error == "access_denied":
            message = "The identification was canceled in the itsme app."
        else:
            message = f"itsme refused the identification ({error})."
        super().__init__(message)


class InvalidResponse(OidcError):
    """A callback or a token that fails a check: it is never trusted."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"The answer from itsme could not be trusted: {reason}.")
