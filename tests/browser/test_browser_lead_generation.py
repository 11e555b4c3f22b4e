"""Lead Generation's "done when", in a real browser: a new user asks for 10
Belgian software companies with 2 contacts each, sees the maximum cost, submits,
watches the leads appear with their company cards and the exact credits spent;
a test page embedding the tracking snippet, visited from a mapped IP, becomes
a lead through a rule."""

from __future__ import annotations

import re
import time
from http.server import BaseHTTPRequestHandler

import pytest
from playwright.sync_api import expect

from addons.iap import balance, grant
from addons.lead_generation import dataset as loader
from addons.lead_generation import reveal, sample
from addons.lead_generation.models import Company, IpRange, Lead, MiningRequest, PageView
from host.testing import PASSWORD
from tests.browser.conftest import login
from tests.loopback import LoopbackServer


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = (
        *host_config["HOST_BUILTIN_ADDONS"],
        "addons.lead_generation.plugin",
    )
    # The visitor's address comes through one trusted proxy, played by the
    # browser's X-Forwarded-For header.
    host_config.update(HOST_JOBS_IMMEDIATE=False, HOST_PROXIES=1)
    return host_config


@pytest.fixture
def leads_app(app, enable):
    enable("lead_generation")
    report = loader.load_lines(sample.csv_lines(3000), filename="sample", sample=True)
    assert report.refused == 0
    return app


def test_a_new_user_generates_ten_belgian_software_companies(
    leads_app, user, page, live_server, worker
):
    grant("lead_generation", 50, reason="Test credits")
    login(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server}/lead_generation/leads")
    expect(page.get_by_text("No lead")).to_be_visible()
    page.get_by_role("link", name="Generate Leads").first.click()
    expect(page.get_by_role("heading", name="Generate Leads")).to_be_visible()
    page.get_by_label("How many leads").fill("10")
    page.get_by_label("Companies and their contacts").check()
    page.get_by_label("Countries").select_option("BE")
    expect(page.get_by_label("States")).to_be_hidden()  # no state data for Belgium
    page.get_by_label("Countries").select_option(["BE", "US"])
    expect(page.get_by_label("States")).to_be_visible()
    page.get_by_label("Countries").select_option("BE")
    page.get_by_label("Industries").select_option("73")
    page.get_by_label("Contacts per company").fill("2")
    cost = page.locator("#cost-preview")
    expect(cost.locator("[data-max-cost]")).to_have_text("30")
    expect(cost).to_contain_text("10 companies × (1 + 2 contacts)")
    worker.pause()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Mining request")).to_be_visible()
    expect(page.locator("[data-state]")).to_have_text("draft")
    worker.resume()
    # the page follows the job without a reload
    expect(page.locator("[data-state]")).to_have_text("done", timeout=30_000)
    expect(page.locator("tr[data-lead]")).to_have_count(10)
    request = MiningRequest.get()
    charged = request.credits_charged
    assert charged == 10 + request.contacts_found and request.contacts_found <= 20
    expect(page.locator("[data-credits]")).to_contain_text(f"{charged:.0f} credits spent")
    assert balance("lead_generation") == 50 - charged
    leads = list(Lead.select())
    assert {lead.country for lead in leads} == {"BE"} and {lead.sic_group for lead in leads} == {
        "73"
    }
    page.locator("tr[data-lead] a").first.click()
    chatter = page.get_by_role("region", name="Chatter")
    expect(chatter).to_contain_text("Company card")
    expect(chatter).to_contain_text("legitimate interest")
    page.get_by_role("button", name="Convert to contact").click()
    expect(page).to_have_url(re.compile(r"/contacts/\d+$"))


class _TestSite(LoopbackServer):
    """A customer's website on loopback: one page embedding the snippet."""

    def __init__(self, snippet: str):
        html = f"<!doctype html><title>Pricing</title><h1>Our prices</h1>{snippet}".encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(html)))
                self.end_headers()
                self.wfile.write(html)

        self._listen(Handler)


def test_a_visit_to_a_page_with_the_snippet_becomes_a_lead(
    leads_app, admin, browser, page, live_server
):
    grant("lead_generation", 10, reason="Test credits")
    login(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server}/lead_generation/rules")
    snippet = page.get_by_label("Tracking snippet").input_value()
    assert "track.js" in snippet and "data-key" in snippet
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("Belgian visitors of the pricing page")
    page.get_by_label("URL pattern").fill("/pricing")
    page.get_by_label("Countries").select_option("BE")
    page.get_by_label("Opportunities").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Belgian visitors of the pricing page")).to_be_visible()

    mapped = IpRange.select(IpRange, Company).join(Company).where(Company.country == "BE").first()
    visitor_ip = f"81.240.0.{(mapped.first & 0xFF) + 3}"
    site = _TestSite(snippet).start()
    visitor = browser.new_context(extra_http_headers={"X-Forwarded-For": visitor_ip})
    try:
        visit = visitor.new_page()
        visit.goto(f"{site.origin}/pricing")
        expect(visit.get_by_role("heading", name="Our prices")).to_be_visible()
        # A beacon is fire and forget: wait for its page view to be stored.
        deadline = time.monotonic() + 10
        while not PageView.select().exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        visitor.close()
        site.stop()
    view = PageView.get()
    assert (view.ip, view.country, view.url) == (visitor_ip, "BE", f"{site.origin}/pricing")
    assert reveal.process()["leads"] == 1  # the periodic job's run
    page.goto(f"{live_server}/lead_generation/leads?source=website")
    row = page.locator("#leads tbody tr").first
    expect(row).to_contain_text(mapped.company.name)
    expect(row).to_contain_text("website visit")
    expect(row).to_contain_text("(opportunity)")
    assert balance("lead_generation") == 10 - 1 - Lead.get().people.count()
