"""Browser tests: Debian's Chromium, driven by Playwright, against the app
served for real on a free port of 127.0.0.1.

Each test gets the ``app`` fixture's app on its own SQLite file, served by a
threaded werkzeug server (``live_server``), and a fresh browser context
(``page``). The browser itself is started once per session (per xdist worker).
Browser tests run on SQLite only.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from huey import signals
from werkzeug.serving import make_server

from host.testing import backend
from tests.addons.iap.service_kit import WidgetAddon

CHROMIUM = "/usr/bin/chromium"
# Chromium must not reach the network (it is closed) nor need a sandbox (root).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 800}
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "docs" / "screenshots"


def _skip_reason() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright Python package (pip install playwright)"
    if backend() != "sqlite":
        return "browser tests run on SQLite only"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    for item in items:
        if HERE not in Path(item.path).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def host_config(host_config):
    # The iap addon and test addons only: addons under construction elsewhere
    # in the repository cannot change what these tests see.
    host_config["HOST_BUILTIN_ADDONS"] = ("addons.iap.plugin",)
    host_config["HOST_EXTRA_ADDONS"] = [WidgetAddon()]
    host_config["IAP_EDITION"] = "community"
    return host_config


@pytest.fixture
def live_server(app):
    """The base URL of ``app`` served over HTTP on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["HOST_BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


# Every page of every browser test reports what the Content-Security-Policy
# refused (an inline script or style="" an addon slipped in): issue 11 #8.
_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(`${e.violatedDirective} refused ${e.blockedURI || "inline code"}`
    + ` in ${e.sourceFile || document.location.pathname}:${e.lineNumber} (${e.sample})`);
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    return []


@pytest.fixture
def context(browser, live_server, csp_violations):
    """A fresh browser context (cookies, tabs) whose relative URLs go to
    ``live_server``. A test fails if a page broke the Content-Security-Policy."""
    ctx = browser.new_context(base_url=live_server, viewport=VIEWPORT)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.expose_function("__cspViolation", lambda text: csp_violations.append(text))
    ctx.add_init_script(_REPORT_CSP)
    try:
        yield ctx
    finally:
        ctx.close()
    assert csp_violations == [], "the Content-Security-Policy refused something"


@pytest.fixture
def page(context):
    return context.new_page()


def login(page, base_url: str, email: str, password: str) -> None:
    """Log in through the real login form and wait for the home page."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def screenshot(page, name: str) -> None:
    """Save a 1280×800 PNG to docs/screenshots/ when UPDATE_SCREENSHOTS=1."""
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(VIEWPORT)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


class Worker:
    """Consumes the app's job queue in a thread, as ``iap-host worker`` would;
    a test can ``pause()`` it to see a page before the job runs, then ``resume()``.
    Use with ``HOST_JOBS_IMMEDIATE=False``."""

    def __init__(self, app):
        self.huey = app.extensions["host_jobs"].huey
        self.errors: list[BaseException] = []
        self.running = threading.Event()
        self.running.set()
        self.stopping = threading.Event()
        self.huey.signal(signals.SIGNAL_ERROR)(self._on_error)
        self.thread = threading.Thread(target=self._loop, name="jobs-worker", daemon=True)

    def _on_error(self, signal, task, exc=None):
        self.errors.append(exc)

    def _loop(self):
        while not self.stopping.is_set():
            task = self.huey.dequeue() if self.running.is_set() else None
            if task is None:
                self.stopping.wait(0.05)
                continue
            self.huey.execute(task)

    def pause(self):
        self.running.clear()

    def resume(self):
        self.running.set()


@pytest.fixture
def worker(app):
    consumer = Worker(app)
    consumer.thread.start()
    try:
        yield consumer
    finally:
        consumer.stopping.set()
        consumer.thread.join(timeout=30)
    assert not consumer.errors, consumer.errors
