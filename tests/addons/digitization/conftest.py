"""Fixtures of the digitization addon's tests.

The extraction and corpus tests in this folder use none of them; they never
build an app, so the ``host_config`` override below does not touch them.
"""

from __future__ import annotations

import functools
import io

import pytest


@pytest.fixture
def host_config(host_config):
    """Only the addons these tests need, so addons in progress elsewhere cannot interfere."""
    host_config.update(
        HOST_BUILTIN_ADDONS=("addons.iap.plugin", "addons.digitization.plugin"),
        # No trial credits: every test starts from an empty account.
        IAP_EDITION="community",
    )
    return host_config


@pytest.fixture
def digitization(app, enable):
    """The digitization addon enabled, with an empty credit account."""
    enable("digitization")
    return app


@pytest.fixture
def give_credits(digitization):
    """``give_credits(10)`` grants digitization credits."""
    from addons.iap import grant

    return lambda amount: grant("digitization", amount, reason="Test credits")


@pytest.fixture
def credits_left(digitization):
    from addons.iap import balance

    return lambda: balance("digitization")


@pytest.fixture
def set_mode(digitization):
    """``set_mode("bill", "manual")``: when bills are digitized."""
    from addons.digitization import config

    return lambda kind, mode: config.SETTINGS.put(f"mode_{kind}", mode)


@functools.cache
def corpus_document(kind: str, index: int = 0, seed: int = 7) -> tuple[bytes, dict]:
    """A born-digital PDF of the corpus and its ground truth (``entry["truth"]``)."""
    from devtools.digitization_corpus import iter_corpus

    counts = {"bill": 0, "expense": 0, "resume": 0}
    counts[kind] = index + 1
    for _, data, entry in iter_corpus(
        counts["bill"],
        seed,
        expenses=counts["expense"],
        resumes=counts["resume"],
        variants=("digital",),
    ):
        if entry["kind"] == kind and entry["file"].startswith(f"{kind}_{index:03d}"):
            return data, entry
    raise LookupError(f"no {kind} {index} in the corpus")


def upload(client, slug: str, *files: tuple[str, bytes], **extra):
    """Post files to the Upload button of ``slug``'s list; returns the response."""
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(
        f"/digitization/{slug}/upload",
        data=data,
        content_type="multipart/form-data",
        **extra,
    )


@pytest.fixture
def user(user):
    """The tests' user (not an administrator) validates: a Digitization
    Manager. ``test_digitization_access.py`` makes them a plain User."""
    from host.models import UserAccess

    UserAccess.create(user=user, addon="digitization", group="manager")
    return user
