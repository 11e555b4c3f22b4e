"""Whether two written names are the same person's: the sender's typed name and the verified one."""

from __future__ import annotations

import unicodedata


def _words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return sorted(w for w in "".join(c if c.isalnum() else " " for c in plain).lower().split())


def same_person(typed: str, verified: str) -> bool:
    """Accents, case, hyphens and word order aside, the same words. A middle
    name the sender left out is a difference worth a warning: the certificate
    shows both names and the sender decides."""
    return _words(typed) == _words(verified)
