"""Hostile values in a real browser (issue 11, "make it inherited"): after
``tests/test_hostile_values_escaped.py`` typed markup into every text field
its walk found, one page of each app that shows them is opened in Chromium,
its polls and scripts running: no dialog opens (an ``alert()`` that ran) and
the Content-Security-Policy refuses nothing (the ``context`` fixture)."""

from __future__ import annotations

import pytest

from host import demo
from host.config import BUILTIN_ADDONS
from host.models import User
from host.testing import log_in
from tests.browser.conftest import login
from tests.page_walk import samples_config
from tests.test_hostile_values_escaped import ESCAPED, spoil


@pytest.fixture
def host_config(host_config):
    # Every built-in addon and its samples, as the hostile walk (not the
    # browser tests' community edition and test addon).
    host_config.pop("IAP_EDITION")
    host_config["HOST_EXTRA_ADDONS"] = []
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    host_config.update(samples_config())
    return host_config


def _showing(app, starts: list[str]) -> dict[str, str]:
    """Per app (the path's first part), the first page showing a hostile value."""
    client = log_in(app.test_client(), User.get(User.email == demo.ADMIN_EMAIL))
    pages: dict[str, str] = {}
    for path in starts:
        section = path.strip("/").split("/")[0]
        if section in pages:
            continue
        response = client.get(path)
        if response.status_code == 200 and any(
            text in response.get_data(as_text=True) for text in ESCAPED
        ):
            pages[section] = path
    return pages


def test_no_hostile_value_runs_in_the_browser(app, live_server, page):
    pages = _showing(app, spoil(app))
    # Contacts, digitization, SMS, itsme Sign, lead generation, mail templates…
    assert len(pages) >= 6, pages
    dialogs: list[str] = []

    def refuse(dialog):
        dialogs.append(f"{page.url}: {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", refuse)
    login(page, live_server, demo.ADMIN_EMAIL, demo.admin_password(app))
    for path in pages.values():
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert dialogs == [], dialogs
