"""Website visitor reveal: the tracking endpoint, rules, batches of 25, the
6-month suppression, unknown IPs never retried, a credit shortage told once."""

import datetime as dt
import ipaddress
import re

import pytest

from addons.lead_generation import reveal
from addons.lead_generation.models import Company, IpRange, Lead, PageView, RevealedIp, Rule
from addons.lead_generation.providers.local import LocalProvider
from addons.lead_generation.tracking import site_token
from host import read_token, utcnow

URL = "https://www.example.com/pricing"


def _track(client, url=URL, key=None, **headers):
    return client.post(
        "/lead_generation/track",
        data={"k": site_token() if key is None else key, "u": url, "t": "2026-12-07T10:00:00Z"},
        headers=headers,
        csrf=False,
    )


def mapped_ip(country: str, index: int = 0, host: int = 5) -> str:
    """An address inside the ``index``-th loaded range of a company of ``country``."""
    ranges = (
        IpRange.select(IpRange, Company)
        .join(Company)
        .where(Company.country == country)
        .order_by(IpRange.id)
    )
    return str(ipaddress.ip_address(ranges[index].first + host))


def _rule(**values):
    fields = {"name": "Every visitor", "sequence": 10}
    fields.update(values)
    return Rule.create(**fields)


def test_the_endpoint_records_a_page_view_without_cookie(lg, client):
    response = _track(client)
    assert response.status_code == 204 and "Set-Cookie" not in response.headers
    view = PageView.get()
    assert (view.ip, view.url, view.state) == ("127.0.0.1", URL, "pending")


def test_the_endpoint_refuses_a_bad_key_and_a_missing_url(lg, client):
    assert _track(client, key="forged").status_code == 403
    assert _track(client, url="").status_code == 400
    assert PageView.select().count() == 0


def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(lg, client):
    _track(client, **{"X-Forwarded-For": "81.240.0.5"})
    assert PageView.get().ip == "127.0.0.1"


def test_a_flood_from_one_ip_is_cut_by_the_rate_limit(lg, client):
    answers = [_track(client).status_code for _ in range(75)]
    assert answers.count(204) == 60 and answers[60:] == [429] * 15
    assert PageView.select().count() == 60


def test_the_snippet_is_public_and_the_rules_page_shows_it(lg, client, admin_client):
    script = client.get("/lead_generation/static/lead_generation/track.js")
    assert script.status_code == 200 and b"sendBeacon" in script.data
    page = admin_client.get("/lead_generation/rules").get_data(as_text=True)
    assert "lead_generation/track.js" in page and "/lead_generation/track&#34;" in page
    key = re.search(r"data-key=&#34;([^&]+)&#34;", page)[1]
    assert read_token("lead_generation.site", key) == "site"  # the key the endpoint takes


def test_a_rule_with_an_invalid_url_regex_is_refused(lg, admin_client):
    response = admin_client.post(
        "/lead_generation/rules/new",
        data={
            "name": "Pricing",
            "url_pattern": "/pricing(",
            "search_type": "companies",
            "contact_filter": "role",
            "lead_type": "lead",
            "sequence": "5",
        },
    )
    assert response.status_code == 422
    assert "Not a valid regular expression" in response.get_data(as_text=True)
    assert Rule.select().count() == 0
    response = admin_client.post(
        "/lead_generation/rules/new",
        data={
            "name": "Pricing",
            "url_pattern": "/pricing$",
            "search_type": "companies",
            "contact_filter": "role",
            "lead_type": "opportunity",
            "sequence": "5",
            "countries": ["BE"],
            "tags": "web",
        },
    )
    assert response.status_code == 302
    rule = Rule.get()
    assert (rule.url_pattern, rule.countries, rule.lead_type) == ("/pricing$", "BE", "opportunity")


def test_a_visit_from_a_mapped_ip_becomes_a_lead_through_the_first_rule(
    dataset, give_credits, lg_balance
):
    give_credits(10)
    ip = mapped_ip("BE")
    company = LocalProvider().company_at(ip)
    _rule(name="Docs", sequence=1, url_pattern="/docs")  # does not match the URL
    _rule(name="Elsewhere", sequence=2, countries="NL")  # does not match the country
    chosen = _rule(
        name="Belgian pricing",
        sequence=3,
        countries="BE",
        url_pattern="/pricing$",
        lead_type="opportunity",
        tags="web",
        search_type="people",
        contact_number=1,
    )
    _rule(name="Catch-all", sequence=4)
    reveal.record_view(ip, URL)
    stats = reveal.process()
    assert stats["leads"] == 1 and stats["batches"] == 1
    lead = Lead.get()
    assert (lead.domain, lead.rule_id, lead.lead_type, lead.tags) == (
        company.domain,
        chosen.id,
        "opportunity",
        "web",
    )
    assert lead.source_label == "website visit" and lead.visitor_ip == ip
    assert lg_balance() == 10 - 1 - len(list(lead.people)) == 8
    assert PageView.get().state == "lead"


def test_visits_matching_no_rule_are_not_sent(dataset, give_credits):
    give_credits(10)
    _rule(countries="NL")
    reveal.record_view(mapped_ip("BE"), URL)
    assert reveal.process()["sent"] == 0
    assert PageView.get().state == "no_rule"


def test_state_filter_uses_the_company_revealed(dataset, give_credits):
    give_credits(10)
    ip = mapped_ip("US")
    company = LocalProvider().company_at(ip)
    other = "NY" if company.state != "NY" else "CA"
    _rule(name="Other state", sequence=1, countries="US", states=f"US-{other}")
    right = _rule(name="Its state", sequence=2, countries="US", states=f"US-{company.state}")
    reveal.record_view(ip, URL)
    reveal.process()
    assert Lead.get().rule_id == right.id


def test_ips_go_to_the_provider_25_at_a_time(dataset, give_credits, monkeypatch):
    give_credits(200)
    _rule()
    calls = []
    original = LocalProvider.reveal

    def counting(self, visits, rules):
        calls.append(len(visits))
        return original(self, visits, rules)

    monkeypatch.setattr(LocalProvider, "reveal", counting)
    for i in range(60):
        reveal.record_view(f"1.1.{i // 200}.{i % 200 + 1}", URL)
        reveal.record_view(f"1.1.{i // 200}.{i % 200 + 1}", URL + "?again")
    stats = reveal.process()
    assert calls == [25, 25, 10] and stats["not_found"] == 60
    assert PageView.select().where(PageView.state == "not_found").count() == 120


def test_an_unknown_ip_is_marked_not_found_and_never_retried(dataset, give_credits, monkeypatch):
    give_credits(10)
    _rule()
    reveal.record_view("1.1.1.1", URL)
    reveal.process()
    assert RevealedIp.get().state == "not_found"
    sent = []
    monkeypatch.setattr(LocalProvider, "reveal", lambda self, v, r: sent.append(v))
    reveal.record_view("1.1.1.1", URL)
    assert reveal.process()["suppressed"] == 1 and sent == []


def test_an_ip_that_gave_a_lead_is_not_sent_for_six_months(dataset, give_credits, lg_balance):
    give_credits(10)
    _rule()
    ip = mapped_ip("FR")
    reveal.record_view(ip, URL)
    reveal.process()
    assert Lead.select().count() == 1 and lg_balance() == 9
    reveal.record_view(ip, URL)
    assert reveal.process()["suppressed"] == 1
    assert lg_balance() == 9
    RevealedIp.update(at=utcnow() - dt.timedelta(days=181)).execute()
    reveal.record_view(ip, URL)
    stats = reveal.process()
    assert stats["sent"] == 1 and stats["leads"] == 0  # the company is a lead already: free
    assert PageView.select().where(PageView.state == "known").count() == 1
    assert lg_balance() == 9


@pytest.fixture
def mail_app(app, smtp_server):
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False
    )
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = smtp_server.port
    return app


def test_a_credit_shortage_stops_the_job_and_tells_the_admins_once(
    dataset, admin, mail_app, smtp_server, give_credits
):
    _rule()
    first, second = mapped_ip("DE", 0), mapped_ip("DE", 1)
    reveal.record_view(first, URL)
    reveal.record_view(second, URL)
    assert reveal.process()["stopped"] == "credits"
    assert reveal.process()["stopped"] == "credits"
    assert [m["To"] for m in smtp_server.messages] == [admin.email]
    assert "no credits left" in smtp_server.messages[0]["Subject"]
    assert "/iap/buy/lead_generation" in smtp_server.messages[0].get_content()
    assert PageView.select().where(PageView.state == "pending").count() == 2
    assert Lead.select().count() == 0
    give_credits(1)  # one company, then short again
    stats = reveal.process()
    assert stats["leads"] == 1 and stats["stopped"] == "credits"
    assert len(smtp_server.messages) == 1  # still the same shortage: told once
    give_credits(5)
    assert reveal.process()["leads"] == 1
    assert PageView.select().where(PageView.state == "lead").count() == 2


def test_url_patterns_are_searched_in_the_page_s_path(dataset):
    rules = reveal._compiled([_rule(name="Pricing", url_pattern=r"^/pricing(\?|$)")])
    view = PageView(country="BE", url="https://www.example.com/pricing?plan=pro")
    assert reveal.matching_rules(view, rules) == [rules[0][0].id]
    view.url = "https://pricing.example.com/blog/pricing"
    assert reveal.matching_rules(view, rules) == []
