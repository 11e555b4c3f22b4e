"""Every page reachable from the menu, as an administrator and as a user, on a
phone (390 × 844) and on a desktop (1366 × 900).

The pages are discovered, not listed: the menu's entries, then the links of
those pages, then theirs (three levels). An addon that adds a menu entry or a
link is walked without editing this test. A page fails on sideways scrolling,
on a visible element wider than the viewport (unless a box of its own scrolls
or clips it), on text whose contrast is below 4.5:1 (3:1 when large), on a console error,
on any answer of 400 or more, and on an unstyled page (a pop-up's URL opened
directly).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from addons.iap import grant
from host import Contact, demo
from host.config import BUILTIN_ADDONS
from host.models import User
from host.testing import log_in
from tests.addons.digitization.conftest import corpus_document, upload
from tests.addons.sms.test_sms_compose import send
from tests.browser.conftest import TIMEOUT_MS, login

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
DEPTH = 3
# Links that end the session or leave the app; everything else is walked.
SKIP = re.compile(r"^/(logout|static/)|/static/")

SHOTS = os.environ.get("WALK_SCREENSHOTS")
LAYOUT_CHECK = (Path(__file__).parent / "layout_check.js").read_text()


@pytest.fixture
def host_config(host_config):
    # Every built-in addon, so that a new one is walked too.
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    return host_config


@pytest.fixture
def demo_app(app):
    """The demo data of ``make run``: contacts of five countries, every addon on."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    messages = list(demo.load(app))
    assert not [m for m in messages if m.startswith("could not")], messages
    # A few records, so that the pages of one record are walked too: a
    # digitized bill and an SMS (jobs run inline here).
    client = log_in(app.test_client(), User.get(User.email == demo.ADMIN_EMAIL))
    grant("digitization", 5, reason="page walk")
    grant("sms", 5, reason="page walk")
    bill, _ = corpus_document("bill", 0)
    upload(client, "bills", ("bill.pdf", bill))
    marie = Contact.get(Contact.name == "Marie Dubois")
    send(client, marie, "Your order is ready.")
    _lead_generation_records()
    _sign_requests(User.get(User.email == demo.ADMIN_EMAIL))
    return app


def _lead_generation_records():
    """A mined lead with its request, a rule and a page view: their pages are walked."""
    from addons.lead_generation import dataset, mining, reveal, sample
    from addons.lead_generation.models import MiningRequest, Rule

    dataset.load_lines(sample.csv_lines(300), filename="sample", sample=True)
    grant("lead_generation", 10, reason="page walk")
    request = MiningRequest.create(
        countries="BE", lead_number=2, search_type="people", contact_number=2
    )
    mining.run(request.id)
    Rule.create(name="Pricing page visitors", url_pattern="/pricing", countries="BE")
    reveal.record_view("81.240.0.5", "https://www.example.com/pricing")


def _sign_requests(author):
    """A sent request and a newer draft with its fields: the walk opens the
    newest, the editor, from the Sign requests list."""
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Role
    from tests.addons.itsme_sign.documents import pdf

    Role.get_or_create(name="Customer", defaults={"requires_itsme": True})
    made = []
    for name in ("Employment contract", "Sales agreement"):
        sign_request = lifecycle.create(name, "contract.pdf", pdf(2), author)
        for order, (person, email, country) in enumerate(
            [("Jan Peeters", "jan@example.be", "BE"), ("Luc Martin", "luc@example.fr", "FR")],
            start=1,
        ):
            signer = lifecycle.add_signer(
                sign_request,
                name=person,
                email=email,
                role="Customer",
                order=order,
                country=country,
            )
            lifecycle.place_field(
                sign_request,
                signer_id=signer.id,
                kind="signature",
                page=2,
                x=72,
                y=500 + 80 * order,
            )
            lifecycle.place_field(
                sign_request, signer_id=signer.id, kind="text", page=1, x=72, y=300 + 40 * order
            )
        made.append(sign_request)
    lifecycle.send(made[0])


def _pattern(path: str) -> str:
    """One visit per kind of page: /contacts/12 and /contacts/13 are the same page."""
    return re.sub(r"\d+", "N", path)


class Walk:
    def __init__(self, page, base_url):
        self.page = page
        self.base = base_url
        self.problems: list[str] = []
        self.current = ""
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"{self.current}: JS error {exc}"))
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"{self.current}: console error {message.text}")

    def _response(self, response):
        if response.status >= 400 and response.url.startswith(self.base):
            self.problems.append(f"{self.current}: {response.status} for {response.url}")

    def _links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            "a[href]", "els => els.map(a => a.getAttribute('href'))"
        )
        links = []
        for href in hrefs:
            url = urljoin(self.page.url, href)
            parts = urlsplit(url)
            if not url.startswith(self.base) or SKIP.search(parts.path):
                continue
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return links

    def _is_html(self, path: str, found_on: str) -> bool:
        response = self.page.context.request.get(self.base + path, max_redirects=5)
        if response.status >= 400:
            self.problems.append(f"{found_on}: its link {path} answers {response.status}")
            return False
        return "text/html" in response.headers.get("content-type", "")

    def check(self, path: str, viewport: dict) -> None:
        self.current = f"{path} at {viewport['width']}px"
        self.page.set_viewport_size(viewport)
        self.page.goto(path)
        self.page.wait_for_load_state("load")
        if SHOTS:  # WALK_SCREENSHOTS=dir: a full-page PNG of each page, to look at
            name = re.sub(r"\W+", "_", path).strip("_") or "home"
            self.page.screenshot(path=f"{SHOTS}/{name}_{viewport['width']}.png", full_page=True)
        found = self.page.evaluate(LAYOUT_CHECK)
        if not found["styled"]:
            self.problems.append(f"{self.current}: a page without the app's style")
        if found["scroll"] > 0:
            self.problems.append(f"{self.current}: scrolls sideways by {found['scroll']} px")
        for element in found["wide"]:
            self.problems.append(f"{self.current}: wider than the viewport: {element}")
        for element in found["contrast"]:
            self.problems.append(f"{self.current}: text contrast too low: {element}")

    def run(self) -> list[str]:
        self.page.goto("/")
        menu = self.page.get_by_role("navigation", name="Apps").locator("a[href]")
        start = [
            urlsplit(urljoin(self.page.url, h)).path
            for h in menu.evaluate_all("els => els.map(a => a.getAttribute('href'))")
        ]
        assert start, "the menu is empty"
        seen = {_pattern(p) for p in start}
        queue = [(path, 0, "the menu") for path in start]
        visited = []
        while queue:
            path, depth, found_on = queue.pop(0)
            if not self._is_html(path, found_on):
                continue
            visited.append(path)
            self.check(path, PHONE)
            self.check(path, DESKTOP)
            if depth + 1 >= DEPTH:
                continue
            for link in self._links():
                key = _pattern(urlsplit(link).path)
                if key not in seen:
                    seen.add(key)
                    queue.append((link, depth + 1, path))
        return visited


@pytest.mark.parametrize("email", [demo.ADMIN_EMAIL, "demo@example.com"])
def test_every_page_fits_a_phone_and_a_desktop(browser, live_server, demo_app, email):
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        password = (
            demo.admin_password(demo_app)
            if email == demo.ADMIN_EMAIL
            else demo.user_password(demo_app)
        )
        login(page, live_server, email, password)
        walk = Walk(page, live_server)
        visited = walk.run()
        assert len(visited) >= 5, visited
        assert not walk.problems, "\n".join(walk.problems)
    finally:
        context.close()


def test_the_signer_page_fits_a_phone_and_a_desktop(browser, live_server, demo_app):
    """The signer's page is reached by a mailed link, not the menu: walked here."""
    from addons.itsme_sign.models import Signer
    from addons.itsme_sign.signers import signer_url

    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        walk = Walk(context.new_page(), live_server)
        link = signer_url(Signer.get(Signer.state == "sent"))
        for viewport in (PHONE, DESKTOP):
            walk.check(link, viewport)
        assert not walk.problems, "\n".join(walk.problems)
    finally:
        context.close()


def test_phone_menu_opens_the_app_list(page, live_server, demo_app):
    page.set_viewport_size(PHONE)
    login(page, live_server, demo.ADMIN_EMAIL, demo.admin_password(demo_app))
    apps = page.get_by_role("navigation", name="Apps")
    toggle = page.get_by_role("button", name="Menu")
    expect(apps).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(apps).to_be_visible()
    contacts = apps.get_by_role("link", name="Contacts")
    box = contacts.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.keyboard.press("Escape")
    expect(apps).to_be_hidden()
    toggle.click()
    contacts.click()
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    expect(apps).to_be_hidden()
    # The list is a column of cards, each value labelled by its column.
    card = page.locator("table.list tbody tr").filter(has_text="Marie Dubois")
    cell = card.locator("td", has_text="Brussels")
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"City"'
    assert card.bounding_box()["width"] <= PHONE["width"]
    # On a desktop, the same menu is a bar with no button.
    page.set_viewport_size(DESKTOP)
    expect(toggle).to_be_hidden()
    expect(apps).to_be_visible()


def test_the_access_page_fits_a_phone_with_long_group_descriptions(
    browser, live_server, demo_app, monkeypatch
):
    """A group's description may be long (a sentence, or a word as long as a
    URL): the user's access page still fits 390 px without scrolling sideways."""
    from dataclasses import replace

    from host import access

    sentence = "Sees, sends and cancels every request of every user, " * 6
    word = "everyrequestofeveryuserineverycompany" * 4
    declared = access._manifests

    def long_descriptions():
        return {
            name: replace(
                manifest,
                groups=tuple(
                    replace(group, description=(sentence if index else word) + group.description)
                    for index, group in enumerate(manifest.groups)
                ),
            )
            for name, manifest in declared().items()
        }

    monkeypatch.setattr(access, "_manifests", long_descriptions)
    demo_user = User.get(User.email == "demo@example.com")
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        login(page, live_server, demo.ADMIN_EMAIL, demo.admin_password(demo_app))
        walk = Walk(page, live_server)
        for viewport in (PHONE, DESKTOP):
            walk.check(f"/users/{demo_user.id}/access", viewport)
            expect(page.locator("fieldset").first).to_contain_text("everyrequestof")
        assert not walk.problems, "\n".join(walk.problems)
    finally:
        context.close()
