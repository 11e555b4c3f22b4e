"""Page assets: the static scripts and stylesheets an addon adds to a page
it does not own (Partner Autocomplete's script on the host's contact form).

An addon answers the ``page_assets`` hook with :class:`PageAsset` objects;
the host's ``base.html`` links the stylesheets in ``<head>`` and the scripts
at the end of ``<body>``, after its own. An asset is a file served by a
blueprint's ``static`` endpoint, never code: pages keep a Content-Security-
Policy without ``'unsafe-inline'``, and the page is not re-encoded after it
is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from host.urls import endpoint_url

Kind = Literal["script", "style"]
_KINDS: dict[str, Kind] = {".js": "script", ".mjs": "script", ".css": "style"}


@dataclass(frozen=True, kw_only=True)
class PageAsset:
    """One static file a page links: ``static`` is a blueprint's static
    endpoint (``"partner_autocomplete.static"``), ``filename`` the file under
    it. A ``.js`` file is a script, a ``.css`` file a stylesheet."""

    id: str
    static: str
    filename: str
    sequence: int = 10

    def __post_init__(self):
        if not self.id:
            raise ValueError("PageAsset needs an id")
        if self.static != "static" and not self.static.endswith(".static"):
            raise ValueError(
                f"PageAsset {self.id!r}: {self.static!r} is not a static endpoint "
                "(a blueprint's 'static', like 'partner_autocomplete.static')"
            )
        if "://" in self.filename or self.filename.startswith("/") or ".." in self.filename:
            raise ValueError(f"PageAsset {self.id!r}: {self.filename!r} is not a file under it")
        if self.kind is None:
            raise ValueError(f"PageAsset {self.id!r}: {self.filename!r} is neither .js nor .css")

    @property
    def kind(self) -> Kind | None:
        suffix = self.filename[self.filename.rfind(".") :].lower()
        return _KINDS.get(suffix)

    @property
    def href(self) -> str:
        return endpoint_url(self.static, {"filename": self.filename})
