"""The one exception type callers need to handle."""

from __future__ import annotations

CODES = (
    "empty",
    "not_pdf",
    "encrypted",
    "corrupt",
    "too_many_pages",
    "decompression_bomb",
    "unsupported_type",
    "too_slow",
)


class ExtractionError(ValueError):
    """The document cannot be read; ``reason`` is safe to show to the end user.

    ``code`` is one of :data:`CODES` so callers can map it to an HTTP status or refund.
    """

    def __init__(self, code: str, reason: str):
        assert code in CODES, code
        super().__init__(reason)
        self.code = code
        self.reason = reason

    def __repr__(self) -> str:
        return f"ExtractionError({self.code!r}, {self.reason!r})"
