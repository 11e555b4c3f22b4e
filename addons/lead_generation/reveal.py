"""Website visitor reveal: page views recorded by the tracking endpoint become
leads through the first matching rule, 25 visitor IPs per provider call.

An IP that produced a lead (or whose company the CRM already knew) in the
last ``LEAD_GENERATION_SUPPRESS_DAYS`` is not sent again; one the provider
does not know is marked ``not_found`` and never retried. Running out of
credits stops the job, leaves the page views pending for the next run, and
tells the admins once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from decimal import Decimal
from urllib.parse import urlsplit

from flask import current_app

from addons.iap import InsufficientCreditError, balance, charge
from addons.lead_generation import config, crm, geo, leads
from addons.lead_generation.criteria import cost, from_record
from addons.lead_generation.models import PageView, RevealedIp, Rule
from addons.lead_generation.providers.base import ProviderError, Visit
from host import Setting, User, db, send_mail, utcnow

_log = logging.getLogger(__name__)
SERVICE = "lead_generation"
ALERT_SETTING = "lead_generation.reveal_credit_alert"
PENDING_PER_RUN = 5000


def record_view(ip: str, url: str) -> PageView:
    return PageView.create(ip=ip[:45], url=url[:1024], country=geo.country_of(ip), at=utcnow())


def _compiled(rules: list[Rule]) -> list[tuple[Rule, re.Pattern | None]]:
    result = []
    for rule in rules:
        try:
            pattern = re.compile(rule.url_pattern) if rule.url_pattern else None
        except re.error:
            continue  # refused by the rule form; a rule written elsewhere is skipped
        result.append((rule, pattern))
    return result


def page_path(url: str) -> str:
    """What a rule's URL pattern is matched against: ``/pricing?plan=pro`` of
    ``https://www.example.com/pricing?plan=pro``, as Odoo's reveal rules do."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def matching_rules(view, rules) -> list[int]:
    """Ids of the rules whose country and URL pattern match a page view, by sequence."""
    ids = []
    path = page_path(view.url)
    for rule, pattern in rules:
        countries = [c for c in rule.countries.split(",") if c]
        if countries and view.country not in countries:
            continue
        if pattern is not None and not pattern.search(path):
            continue
        ids.append(rule.id)
    return ids


def _mark(view_ids, state: str, **values) -> None:
    for start in range(0, len(view_ids), 500):
        PageView.update(state=state, **values).where(
            PageView.id.in_(view_ids[start : start + 500])
        ).execute()


def _suppressed(ips: list[str]) -> set[str]:
    since = utcnow() - dt.timedelta(days=int(config.value("suppress_days")))
    result = set()
    for start in range(0, len(ips), 500):
        for row in RevealedIp.select().where(RevealedIp.ip.in_(ips[start : start + 500])):
            if row.state == "not_found" or row.at >= since:
                result.add(row.ip)
    return result


def process() -> dict:
    """One run of the reveal job; returns what happened to how many IPs."""
    stats = {"sent": 0, "leads": 0, "not_found": 0, "suppressed": 0, "no_rule": 0, "batches": 0}
    if Setting.read(ALERT_SETTING) == "1" and balance(SERVICE) < 1:
        stats["stopped"] = "credits"
        return stats
    rules = _compiled(
        list(Rule.select().where(Rule.active == True).order_by(Rule.sequence, Rule.id))  # noqa: E712
    )
    views = list(
        PageView.select()
        .where(PageView.state == "pending")
        .order_by(PageView.id)
        .limit(PENDING_PER_RUN)
    )
    if not views:
        return stats
    by_ip: dict[str, list[PageView]] = {}
    for view in views:
        by_ip.setdefault(view.ip, []).append(view)
    suppressed = _suppressed(list(by_ip))
    visits: list[Visit] = []
    for ip, ip_views in by_ip.items():
        ids = [v.id for v in ip_views]
        if ip in suppressed:
            _mark(ids, "suppressed")
            stats["suppressed"] += 1
            continue
        rule_ids: list[int] = []
        for view in ip_views:
            rule_ids += [r for r in matching_rules(view, rules) if r not in rule_ids]
        if not rule_ids:
            _mark(ids, "no_rule")
            stats["no_rule"] += 1
            continue
        order = {rule.id: i for i, (rule, _) in enumerate(rules)}
        visits.append(Visit(ip, sorted(rule_ids, key=order.__getitem__)))
    rule_by_id = {rule.id: rule for rule, _ in rules}
    criteria = {
        rid: dataclasses.replace(from_record(rule), countries=())
        for rid, rule in rule_by_id.items()
    }
    batch = int(config.value("reveal_batch"))
    try:
        provider = config.provider()
        for start in range(0, len(visits), batch):
            chunk = visits[start : start + batch]
            answer = provider.reveal(chunk, {r: criteria[r] for v in chunk for r in v.rule_ids})
            stats["batches"] += 1
            stats["sent"] += len(chunk)
            for ip in answer.not_found:
                _forget(ip, by_ip[ip])
                stats["not_found"] += 1
            for ip in answer.no_match:
                _mark([v.id for v in by_ip[ip]], "no_match")
            for item in answer.revealed:
                if _store(item, rule_by_id[item.rule_id], by_ip[item.ip]):
                    stats["leads"] += 1
    except InsufficientCreditError as exc:
        _alert_admins(exc)
        stats["stopped"] = "credits"
        return stats
    except ProviderError as exc:
        _log.warning("lead_generation reveal: the provider failed: %s", exc)
        stats["stopped"] = exc.code
        return stats
    if Setting.read(ALERT_SETTING) == "1":
        Setting.write(ALERT_SETTING, "0")
    return stats


def _forget(ip: str, views) -> None:
    with db.atomic():
        RevealedIp.insert(ip=ip, state="not_found", at=utcnow()).on_conflict(
            conflict_target=[RevealedIp.ip], preserve=[RevealedIp.state, RevealedIp.at]
        ).execute()
        _mark([v.id for v in views], "not_found")


def _store(item, rule: Rule, views) -> bool:
    """Charge and store one revealed company; False when the CRM knew it."""
    keys = leads.keys(item.found)
    view_ids = [v.id for v in views]
    if not crm.claim(keys):
        with db.atomic():
            RevealedIp.insert(ip=item.ip, state="known", at=utcnow()).on_conflict(
                conflict_target=[RevealedIp.ip], preserve=[RevealedIp.state, RevealedIp.at]
            ).execute()
            _mark(view_ids, "known")
        return False
    amount = cost(1, len(item.found.people))
    defaults = {
        "lead_type": rule.lead_type,
        "rule": rule.id,
        "team": rule.team,
        "salesperson": rule.salesperson_id,
        "tags": rule.tags,
        "visitor_ip": item.ip,
    }
    try:
        with charge(
            SERVICE,
            Decimal(amount),
            description=f"Website visitor: {item.found.company.get('name', '')}",
            reference=f"lead_generation.visit:{view_ids[0]}",
            idempotency_key=f"lead_generation.visit:{view_ids[0]}",
        ) as tx:
            if tx.replayed:
                return False

            def store():
                lead = leads.create(item.found, source="website", defaults=defaults, claimed=keys)
                RevealedIp.insert(
                    ip=item.ip, state="lead", lead_id=lead.id, at=utcnow()
                ).on_conflict(
                    conflict_target=[RevealedIp.ip],
                    preserve=[RevealedIp.state, RevealedIp.lead_id, RevealedIp.at],
                ).execute()
                _mark(view_ids, "lead", rule_id=rule.id, lead_id=lead.id)

            tx.on_capture(store)
    except BaseException:
        crm.release(keys)
        raise
    return True


def _alert_admins(exc: InsufficientCreditError) -> None:
    """Mail every admin once per credit shortage (until a batch goes through again)."""
    with db.atomic():
        if Setting.read(ALERT_SETTING) == "1":
            return
        Setting.write(ALERT_SETTING, "1")
    base = current_app.config.get("HOST_BASE_URL") or ""
    for admin in User.select().where(User.is_admin == True):  # noqa: E712
        send_mail(
            admin.email,
            "Lead Generation: website visitor reveal stopped, no credits left",
            f"The reveal of website visitors stopped: {exc}\n\n"
            f"Page views wait and are sent again once you buy credits: "
            f"{base.rstrip('/')}/iap/buy/{SERVICE}\n",
        )
