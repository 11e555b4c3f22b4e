"""The signer's steps: in the itsme app, then back to us."""

from __future__ import annotations

from urllib.parse import urlparse

import requests

from .conftest import CALLBACK


def in_app(location: str, identity: str = "be-anna", choice: str = "approve") -> str:
    """The signer in the itsme app; returns the path and query of the way back to us."""
    assert requests.get(location, timeout=5).status_code == 200
    answer = requests.post(
        location, data={"choice": choice, "identity": identity}, allow_redirects=False, timeout=5
    )
    back = urlparse(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}"


def identify(client, link: str, identity="be-anna", choice="approve"):
    start = client.get(f"{link}/itsme")
    assert start.status_code == 302, start.data
    return client.get(in_app(start.headers["Location"], identity, choice))


def fresh(signer):
    from addons.itsme_sign.models import Signer

    return Signer.get_by_id(signer.id)
