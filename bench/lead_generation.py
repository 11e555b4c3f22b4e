"""Lead Generation: criteria precision, fill rate, uniqueness, credit exactness,
visitor reveal, and the tracking endpoint's speed against a bare Flask endpoint.

    .venv/bin/python bench/lead_generation.py                # 50,000 companies, 200,000 people
    .venv/bin/python bench/lead_generation.py --quick        # 5,000 companies, fewer views

The universe is the sample generator's (fixed seed) with 4 people per company
on average. Every figure is checked by code written here, independently of
the addon's SQL: a lead outside a filter, a duplicate, a credit too many or a
rule chosen wrongly is counted, not assumed away. The endpoint's speed is a
ratio against a bare Flask app answering 204, both served by the same
threaded werkzeug server and called by the same HTTP client in this run.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import app_config, close_app, machine, ratio  # noqa: E402

ADDONS = ("addons.iap.plugin", "addons.lead_generation.plugin")
PEOPLE = (2, 3, 4, 5, 6)  # per company, cycling: 4 on average
URLS = ("/", "/pricing", "/blog/launch", "/docs/api", "/contact", "/pricing/enterprise")


def _universe(companies: int):
    """The universe as plain dicts, read from the generator (not from the database)."""
    from addons.lead_generation import sample

    firms, people, ranges = {}, {}, []
    for row in sample.rows(companies, people=PEOPLE):
        if row["kind"] == "company":
            firms[row["id"]] = row
            people[row["id"]] = []
        elif row["kind"] == "person":
            people[row["company"]].append(row)
        else:
            ranges.append(row)
    return firms, people, ranges


def _matches(c, firm, persons) -> tuple[bool, list]:
    """Our own reading of the criteria: does ``firm`` match, with which people?"""
    if firm["country"] not in c.countries:
        return False, []
    if c.states and f"{firm['country']}-{firm['state']}" not in c.states:
        return False, []
    if c.sic_groups and firm["sic"] not in c.sic_groups:
        return False, []
    if c.filter_on_size and not c.size_min <= int(firm["employees"]) <= c.size_max:
        return False, []
    if c.search_type != "people":
        return True, []
    if c.contact_filter == "seniority":
        good = [p for p in persons if p["seniority"] == c.seniority]
    else:
        roles = ({c.preferred_role} | set(c.other_roles)) if c.preferred_role else None
        good = [p for p in persons if roles is None or p["role"] in roles]
    return bool(good), good


def _random_criteria(rng: random.Random):
    from addons.lead_generation.criteria import Criteria
    from addons.lead_generation.taxonomy import ROLES, SENIORITIES, SIC_GROUPS, US_STATES

    countries = tuple(rng.sample(["BE", "DE", "FR", "GB", "US", "NL", "IT", "ES", "PL"], 2))
    people = rng.random() < 0.6
    by_role = rng.random() < 0.6
    return Criteria(
        countries=countries,
        search_type="people" if people else "companies",
        states=tuple(f"US-{s}" for s in rng.sample(US_STATES, 20))
        if "US" in countries and rng.random() < 0.3 and countries == ("US",)
        else (),
        sic_groups=tuple(rng.sample(sorted(SIC_GROUPS), rng.randint(0, 12))),
        filter_on_size=rng.random() < 0.8,
        size_min=rng.choice([1, 10, 50]),
        size_max=rng.choice([200, 500, 1000]),
        contact_number=rng.randint(1, 5) if people else 0,
        contact_filter="role" if by_role else "seniority",
        preferred_role=rng.choice(sorted(ROLES)) if people and by_role else "",
        other_roles=tuple(rng.sample(sorted(ROLES), 3)) if people and by_role else (),
        seniority=rng.choice(sorted(SENIORITIES)) if people and not by_role else "",
    )


def _save_request(c, lead_number: int):
    from addons.lead_generation.models import MiningRequest

    return MiningRequest.create(
        lead_number=lead_number,
        search_type=c.search_type,
        countries=",".join(c.countries),
        states=",".join(c.states),
        sic_groups=",".join(c.sic_groups),
        filter_on_size=c.filter_on_size,
        size_min=c.size_min,
        size_max=c.size_max,
        contact_number=c.contact_number,
        contact_filter=c.contact_filter,
        preferred_role=c.preferred_role,
        other_roles=",".join(c.other_roles),
        seniority=c.seniority,
    )


def mining(firms, people, requests: int) -> dict:
    from addons.iap import balance, grant
    from addons.lead_generation import mining
    from addons.lead_generation.models import Lead, MiningRequest
    from host import Contact, notify_saved

    rng = random.Random(2026)
    # The CRM already knows 300 companies, by website or by VAT number.
    known = rng.sample(sorted(firms), 300)
    ids = []
    for i, uid in enumerate(known):
        firm = firms[uid]
        values = {"website": firm["website"]} if i % 2 else {"vat": firm["vat"] or "US000"}
        if i % 2 == 0 and not firm["vat"]:
            values = {"website": firm["website"]}
        ids.append(Contact.create(name=firm["name"], is_company=True, **values).id)
    notify_saved("contact", ids)
    crm_domains = {firms[uid]["domain"] for uid in known}
    grant("lead_generation", 1_000_000, reason="benchmark")
    taken: set[str] = set(crm_domains)
    by_domain = {f["domain"]: uid for uid, f in firms.items()}
    stats = Counter()
    seconds = []
    for _ in range(requests):
        c = _random_criteria(rng)
        lead_number = rng.choice([10, 50, 100, 200])
        available = 0
        for uid, firm in firms.items():
            if firm["domain"] not in taken and _matches(c, firm, people[uid])[0]:
                available += 1
        request = _save_request(c, lead_number)
        before = balance("lead_generation")
        started = time.perf_counter()
        mining.run(request.id)
        seconds.append(time.perf_counter() - started)
        request = MiningRequest.get_by_id(request.id)
        leads = list(Lead.select().where(Lead.request == request.id))
        stats["requested"] += lead_number
        stats["expected"] += min(lead_number, available)
        stats["returned"] += len(leads)
        contacts = 0
        domains = [lead.domain for lead in leads]
        stats["duplicates_within"] += len(domains) - len(set(domains))
        stats["duplicates_across"] += len(set(domains) & (taken - crm_domains))
        stats["crm_returned"] += len(set(domains) & crm_domains)
        for lead in leads:
            uid = by_domain[lead.domain]
            ok, good = _matches(c, firms[uid], people[uid])
            names = {p["name"] for p in good}
            persons = list(lead.people)
            contacts += len(persons)
            person_ok = all(p.name in names for p in persons) and (
                c.search_type != "people" or 1 <= len(persons) <= c.contact_number
            )
            stats["leads_checked"] += 1
            stats["leads_precise"] += ok and person_ok
        taken |= set(domains)
        spent = before - balance("lead_generation")
        stats["credit_exact"] += spent == request.credits_charged == len(leads) + contacts
        stats["requests"] += 1
    # A request nothing matches costs nothing.
    from addons.lead_generation.criteria import Criteria

    impossible = _save_request(
        Criteria(countries=("LU",), sic_groups=("97",), size_min=999, size_max=1000), 50
    )
    before = balance("lead_generation")
    mining.run(impossible.id)
    impossible = MiningRequest.get_by_id(impossible.id)
    stats["no_result_free"] = int(
        impossible.error == "no_result" and balance("lead_generation") == before
    )
    seconds.sort()
    stats["median_ms"] = round(seconds[len(seconds) // 2] * 1000)
    return stats


def _rules():
    from addons.lead_generation.models import Rule

    return [
        Rule.create(name="BE pricing", sequence=1, countries="BE", url_pattern=r"^/pricing"),
        Rule.create(name="California", sequence=2, countries="US", states="US-CA"),
        Rule.create(
            name="German contacts",
            sequence=3,
            countries="DE",
            search_type="people",
            contact_number=2,
            contact_filter="seniority",
            seniority="director",
        ),
        Rule.create(name="Blog readers", sequence=4, url_pattern=r"^/blog/"),
        Rule.create(
            name="Big companies", sequence=5, filter_on_size=True, size_min=500, size_max=1000
        ),
    ]


def _expected_rule(rules, views, country, firm, persons):
    """Our own rule choice: the first by sequence whose country and URL match one
    of the IP's views and whose state, size and contact filters the company meets."""
    for rule in rules:
        countries = [c for c in rule.countries.split(",") if c]
        if countries and country not in countries:
            continue
        if rule.url_pattern and not any(re.search(rule.url_pattern, u) for u in views):
            continue
        states = [s for s in rule.states.split(",") if s]
        if states and f"{firm['country']}-{firm['state']}" not in states:
            continue
        if rule.filter_on_size and not rule.size_min <= int(firm["employees"]) <= rule.size_max:
            continue
        if rule.search_type == "people" and not any(
            p["seniority"] == rule.seniority for p in persons
        ):
            continue
        return rule.id
    return None


def reveal_bench(firms, people, ranges, views: int) -> dict:
    from addons.iap import balance
    from addons.lead_generation import geo, reveal
    from addons.lead_generation.models import Lead, PageView, RevealedIp
    from addons.lead_generation.providers.local import LocalProvider
    from host import db, utcnow

    rules = _rules()
    rng = random.Random(16)
    mapped = []
    for r in ranges:
        network = ipaddress.ip_network(r["cidr"])
        mapped.append((str(network.network_address + rng.randint(1, 14)), r["company"]))
    visitors = [ip for ip, _ in mapped] + [
        f"{rng.randint(11, 126)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        for _ in range(len(mapped))
    ]
    company_of = dict(mapped)
    log = [
        (rng.choice(visitors), "https://www.example.com" + rng.choice(URLS)) for _ in range(views)
    ]
    country = {ip: geo.country_of(ip) for ip in set(ip for ip, _ in log)}
    now = utcnow()
    with db.atomic():
        for start in range(0, len(log), 1000):
            PageView.insert_many(
                [
                    {"ip": ip, "url": url, "country": country[ip], "at": now}
                    for ip, url in log[start : start + 1000]
                ]
            ).execute()
    calls: list[list[str]] = []
    original = LocalProvider.reveal

    def counting(self, visits, rule_criteria):
        calls.append([v.ip for v in visits])
        return original(self, visits, rule_criteria)

    LocalProvider.reveal = counting
    # The whole replayed log in one run, so the rule expected for an IP is
    # computed from the same views the job saw (a run takes 5,000 by default).
    reveal.PENDING_PER_RUN = views
    try:
        before = balance("lead_generation")
        started = time.perf_counter()
        runs = 0
        while PageView.select().where(PageView.state == "pending").exists():
            reveal.process()
            runs += 1
        seconds = time.perf_counter() - started
        spent = before - balance("lead_generation")
        sent = [ip for call in calls for ip in call]
        settled = {
            row.ip: row.state for row in RevealedIp.select() if row.state in ("lead", "not_found")
        }
        stats = Counter(
            views=views,
            ips=len(country),
            runs=runs,
            calls=len(calls),
            largest_batch=max(map(len, calls)),
            ips_sent=len(sent),
            ips_sent_twice=len(sent) - len(set(sent)),
            settled=len(settled),
        )
        by_ip: dict[str, list[str]] = {}
        for ip, url in log:
            by_ip.setdefault(ip, []).append(url.removeprefix("https://www.example.com"))
        leads = list(Lead.select().where(Lead.source == "website"))
        contacts = 0
        for lead in leads:
            uid = company_of[lead.visitor_ip]
            expected = _expected_rule(
                rules, by_ip[lead.visitor_ip], country[lead.visitor_ip], firms[uid], people[uid]
            )
            stats["rule_right"] += expected == lead.rule_id
            contacts += lead.people.count()
        # An IP whose views would match a rule but that made no lead: the rule
        # filters refused its company, it is unknown, or its company was a lead already.
        stats["leads"] = len(leads)
        stats["credit_exact"] = int(spent == len(leads) + contacts)
        stats["views_per_s"] = round(views / seconds)
        # The 6-month suppression: the same visitors again send nothing...
        calls.clear()
        again = [
            (ip, "https://www.example.com/pricing") for ip in {lead.visitor_ip for lead in leads}
        ]
        PageView.insert_many(
            [{"ip": ip, "url": u, "country": country[ip], "at": utcnow()} for ip, u in again]
        ).execute()
        reveal.process()
        stats["resent_within_6_months"] = sum(map(len, calls))
        # ...and are sent again once six months have passed.
        RevealedIp.update(at=utcnow() - __import__("datetime").timedelta(days=181)).where(
            RevealedIp.state == "lead"
        ).execute()
        PageView.insert_many(
            [{"ip": ip, "url": u, "country": country[ip], "at": utcnow()} for ip, u in again]
        ).execute()
        calls.clear()
        reveal.process()
        stats["resent_after_6_months"] = sum(map(len, calls))
        stats["expected_resent"] = len(again)
    finally:
        LocalProvider.reveal = original
    return stats


def _serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _hammer(url: str, data: dict, seconds: float, threads: int = 4) -> float:
    import requests

    done = Counter()
    stop = time.perf_counter() + seconds

    def client(n):
        session = requests.Session()
        while time.perf_counter() < stop:
            # Each call another visitor (X-Forwarded-For through one trusted
            # proxy): the rate limit is per visitor, not per benchmark.
            ip = f"81.240.{n}.{done[n] % 250 + 1}"
            answer = session.post(url, data=data, headers={"X-Forwarded-For": ip})
            assert answer.status_code == 204, answer.status_code
            done[n] += 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done.values()) / (time.perf_counter() - started)


def endpoint_speed(app, seconds: float, database_file: str) -> dict:
    from flask import Flask

    from addons.lead_generation.tracking import site_token

    bare = Flask("bare")

    @bare.post("/track")
    def track():
        return "", 204

    # The host's own cost of a public endpoint (its database rate counter, the
    # connection per request) without the addon's work: where the time goes.
    from host import public_endpoint

    @public_endpoint(auth="token", rate_limit="60/minute")
    def host_204():
        return "", 204

    app.add_url_rule("/bench/host-204", "bench_host_204", host_204, methods=["POST"])
    bare_server, bare_url = _serve(bare)
    host_server, host_url = _serve(app)
    with app.app_context():
        token = site_token()
    data = {"k": token, "u": "https://www.example.com/pricing", "t": "2026-12-07T10:00:00Z"}
    try:
        _hammer(bare_url + "/track", data, 1)  # warm both up
        _hammer(host_url + "/lead_generation/track", data, 1)
        bare_rps = _hammer(bare_url + "/track", data, seconds)
        host_rps = _hammer(host_url + "/lead_generation/track", data, seconds)
        empty_rps = _hammer(host_url + "/bench/host-204", data, seconds)
        # SQLite deletes the WAL when its last connection closes, and the next
        # request's first write makes it again: with one more connection open
        # (another process of the app), that cost goes.
        import sqlite3

        keeper = sqlite3.connect(database_file)
        keeper.execute("SELECT 1 FROM host_setting LIMIT 1").fetchall()
        held_rps = _hammer(host_url + "/lead_generation/track", data, seconds)
        keeper.close()
        bare_rps = (bare_rps + _hammer(bare_url + "/track", data, seconds)) / 2
    finally:
        bare_server.shutdown()
        host_server.shutdown()
    return {
        "bare_rps": bare_rps,
        "track_rps": host_rps,
        "empty_rps": empty_rps,
        "held_rps": held_rps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=50_000)
    parser.add_argument("--views", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.companies, args.views, args.seconds = 5_000, 10_000, 2.0

    from addons.lead_generation import dataset, sample
    from host import create_app

    print(f"# Lead Generation benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# {machine()}")
    folder = tempfile.mkdtemp(prefix="lg-bench-")
    app = create_app(
        app_config(
            f"sqlite:///{folder}/bench.db",
            HOST_BUILTIN_ADDONS=ADDONS,
            IAP_EDITION="community",
            HOST_PROXIES=1,
            HOST_JOBS_PATH=f"{folder}/jobs.db",
        )
    )
    with app.app_context():
        app.extensions["host"].enable("lead_generation")
        started = time.perf_counter()
        report = dataset.load_lines(
            sample.csv_lines(args.companies, people=PEOPLE), filename="bench", sample=True
        )
        load_s = time.perf_counter() - started
        print(
            f"universe: {report.companies:,} companies, {report.people:,} people, "
            f"{report.ranges:,} IP ranges loaded in {load_s:.1f} s "
            f"({report.loaded / load_s:,.0f} rows/s)"
        )
        firms, people, ranges = _universe(args.companies)

        m = mining(firms, people, args.requests)
        precision = m["leads_precise"] / max(m["leads_checked"], 1)
        fill = m["returned"] / max(m["expected"], 1)
        print(f"\n## Mining: {m['requests']} consecutive requests (median {m['median_ms']} ms)")
        print(f"criteria precision: {precision:.2%} of {m['leads_checked']:,} leads (target 100%)")
        print(
            f"fill rate: {m['returned']:,} returned / {m['expected']:,} available of "
            f"{m['requested']:,} requested = {fill:.2%} (target 100%)"
        )
        print(
            f"uniqueness: {m['duplicates_within']} duplicates within a request, "
            f"{m['duplicates_across']} across requests, {m['crm_returned']} already in the CRM"
        )
        print(
            f"credit exactness: {m['credit_exact']}/{m['requests']} requests charged exactly "
            f"companies + contacts; no result free: {'yes' if m['no_result_free'] else 'NO'}"
        )

        r = reveal_bench(firms, people, ranges, args.views)
        print(f"\n## Reveal: {r['views']:,} page views from {r['ips']:,} IPs")
        print(
            f"{r['runs']} job runs, {r['calls']} provider calls, largest batch "
            f"{r['largest_batch']} (limit 25), {r['ips_sent']:,} IPs sent, "
            f"{r['ips_sent_twice']} sent twice; {r['settled']:,} IPs settled (lead or not found); "
            f"{r['views_per_s']:,} views/s processed"
        )
        print(
            f"rule selection: {r['rule_right']}/{r['leads']} leads by the expected rule; "
            f"credits exact: {'yes' if r['credit_exact'] else 'NO'}"
        )
        print(
            f"6-month suppression: {r['resent_within_6_months']} of {r['expected_resent']} "
            f"sent again within 6 months, {r['resent_after_6_months']} after"
        )
    speed = endpoint_speed(app, args.seconds, f"{folder}/bench.db")
    print(
        f"\n## Tracking endpoint: {speed['track_rps']:,.0f} req/s vs bare Flask 204 "
        f"{speed['bare_rps']:,.0f} req/s = {ratio(speed['track_rps'], speed['bare_rps'])} "
        "(target ≥ 0.5×)"
    )
    print(
        f"a host public endpoint doing nothing: {speed['empty_rps']:,.0f} req/s = "
        f"{ratio(speed['empty_rps'], speed['bare_rps'])} of bare; the tracking endpoint is "
        f"{ratio(speed['track_rps'], speed['empty_rps'])} of it"
    )
    print(
        f"with one more connection to the database open: {speed['held_rps']:,.0f} req/s = "
        f"{ratio(speed['held_rps'], speed['bare_rps'])} of bare"
    )
    close_app(app)


if __name__ == "__main__":
    main()
