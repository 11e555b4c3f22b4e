"""Why a letter cannot be sent: Odoo's error codes, with a message a user can act on."""

from __future__ import annotations

MISSING_REQUIRED_FIELDS = "MISSING_REQUIRED_FIELDS"
CREDIT_ERROR = "CREDIT_ERROR"
TRIAL_ERROR = "TRIAL_ERROR"
NO_PRICE_AVAILABLE = "NO_PRICE_AVAILABLE"
FORMAT_ERROR = "FORMAT_ERROR"
ATTACHMENT_ERROR = "ATTACHMENT_ERROR"
UNKNOWN_ERROR = "UNKNOWN_ERROR"

CODES = (
    MISSING_REQUIRED_FIELDS,
    CREDIT_ERROR,
    TRIAL_ERROR,
    NO_PRICE_AVAILABLE,
    FORMAT_ERROR,
    ATTACHMENT_ERROR,
    UNKNOWN_ERROR,
)

# Errors the periodic job retries on its own: they go away once credits are
# bought, the address is fixed or the print shop answers again.
RETRYABLE = (CREDIT_ERROR, TRIAL_ERROR, ATTACHMENT_ERROR, MISSING_REQUIRED_FIELDS, UNKNOWN_ERROR)

TITLES = {
    MISSING_REQUIRED_FIELDS: "The recipient's address is incomplete or invalid",
    CREDIT_ERROR: "Not enough snailmail credits",
    TRIAL_ERROR: "The free trial credits are used up",
    NO_PRICE_AVAILABLE: "No price for this destination",
    FORMAT_ERROR: "The document cannot be printed as it is",
    ATTACHMENT_ERROR: "The document could not be read or handed over",
    UNKNOWN_ERROR: "The print shop could not take the letter",
}


class LetterError(Exception):
    """A letter that cannot be sent as it is.

    ``code`` is one of :data:`CODES`; ``field`` names the address field at
    fault (``zip``, ``street``…) when there is one; ``str(error)`` says what
    to do about it.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None):
        if code not in CODES:
            raise ValueError(f"unknown letter error code {code!r}")
        self.code = code
        self.message = message
        self.field = field
        super().__init__(message)

    def __repr__(self) -> str:
        return f"LetterError({self.code!r}, {self.message!r})"
