"""The ``local`` provider: the company and people dataset held in the database.

Companies the CRM knows (a ``CrmKey`` for their domain or VAT) are left out
by the query itself, so a request is filled with new companies whenever
the dataset holds enough of them.
"""

from __future__ import annotations

import ipaddress

from addons.lead_generation.criteria import Criteria, company_matches, person_matches
from addons.lead_generation.models import Company, IpRange, Person
from addons.lead_generation.providers.base import (
    Found,
    LeadProvider,
    RevealAnswer,
    Revealed,
    Visit,
)
from host import db, sql_named

_COMPANY_FIELDS = [
    "uid",
    "name",
    "domain",
    "vat",
    "country",
    "state",
    "city",
    "sic_group",
    "employees",
    "revenue_band",
    "founded",
    "website",
    "linkedin",
    "twitter",
    "phone",
    "email",
]
_PERSON_FIELDS = ("name", "job_title", "email", "phone", "role", "seniority")


def _in(column: str, values, params: dict, prefix: str) -> str:
    names = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        names.append(f":{prefix}{i}")
    return f"{column} IN ({', '.join(names)})"


def _person_filter(criteria: Criteria, params: dict) -> str:
    if criteria.contact_filter == "seniority":
        params["seniority"] = criteria.seniority
        return "p.seniority = :seniority"
    roles = criteria.roles()
    return _in("p.role", roles, params, "role") if roles else "1 = 1"


class LocalProvider(LeadProvider):
    key = "local"
    name = "Local dataset"

    def states(self) -> dict[str, set[str]]:
        rows = Company.select(Company.country, Company.state).where(Company.state != "").distinct()
        result: dict[str, set[str]] = {}
        for row in rows:
            result.setdefault(row.country, set()).add(row.state)
        return result

    def search(self, criteria: Criteria, count: int) -> list[Found]:
        params: dict = {"limit": count}
        where = [_in("c.country", criteria.countries, params, "country")]
        if criteria.states:
            where.append(_in("c.country || '-' || c.state", criteria.states, params, "state"))
        if criteria.sic_groups:
            where.append(_in("c.sic_group", criteria.sic_groups, params, "sic"))
        if criteria.filter_on_size:
            params.update(size_min=criteria.size_min, size_max=criteria.size_max)
            where.append("c.employees BETWEEN :size_min AND :size_max")
        where.append(
            "(c.domain = '' OR NOT EXISTS (SELECT 1 FROM lead_generation_crm_key k "
            "WHERE k.key = 'domain:' || c.domain))"
        )
        where.append(
            "(c.vat = '' OR NOT EXISTS (SELECT 1 FROM lead_generation_crm_key k "
            "WHERE k.key = 'vat:' || c.vat))"
        )
        if criteria.contacts:
            where.append(
                "EXISTS (SELECT 1 FROM lead_generation_person p WHERE p.company_id = c.id AND "
                f"{_person_filter(criteria, params)})"
            )
        columns = ", ".join(f"c.{name}" for name in ("id", *_COMPANY_FIELDS))
        sql = (
            f"SELECT {columns} FROM lead_generation_company c WHERE {' AND '.join(where)} "
            "ORDER BY c.id LIMIT :limit"
        )
        rows = db.execute_sql(*sql_named(sql, params)).fetchall()
        companies = {row[0]: dict(zip(_COMPANY_FIELDS, row[1:], strict=True)) for row in rows}
        people = self._people(criteria, list(companies)) if criteria.contacts else {}
        return [Found(company, people.get(cid, [])) for cid, company in companies.items()]

    def _people(self, criteria: Criteria, company_ids: list[int]) -> dict[int, list[dict]]:
        if not company_ids:
            return {}
        params: dict = {}
        where = [_in("p.company_id", company_ids, params, "cid"), _person_filter(criteria, params)]
        order = "p.id"
        if criteria.contact_filter == "role" and criteria.preferred_role:
            params["preferred"] = criteria.preferred_role
            order = "CASE WHEN p.role = :preferred THEN 0 ELSE 1 END, p.id"
        columns = ", ".join(f"p.{name}" for name in _PERSON_FIELDS)
        sql = (
            f"SELECT p.company_id, {columns} FROM lead_generation_person p "
            f"WHERE {' AND '.join(where)} ORDER BY p.company_id, {order}"
        )
        result: dict[int, list[dict]] = {}
        for row in db.execute_sql(*sql_named(sql, params)).fetchall():
            chosen = result.setdefault(row[0], [])
            if len(chosen) < criteria.contacts:
                chosen.append(dict(zip(_PERSON_FIELDS, row[1:], strict=True)))
        return result

    def company_at(self, ip: str) -> Company | None:
        """The company whose loaded range holds ``ip`` (IPv4 only)."""
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if address.version != 4:
            return None
        number = int(address)
        found = (
            IpRange.select(IpRange, Company)
            .join(Company)
            .where(IpRange.first <= number)
            .order_by(IpRange.first.desc())
            .first()
        )
        if found is None or found.last < number:
            return None
        return found.company

    def reveal(self, visits: list[Visit], rules: dict[int, Criteria]) -> RevealAnswer:
        answer = RevealAnswer()
        for visit in visits:
            company = self.company_at(visit.ip)
            if company is None:
                answer.not_found.append(visit.ip)
                continue
            data = {name: getattr(company, name) for name in _COMPANY_FIELDS}
            people = [
                {name: getattr(p, name) for name in _PERSON_FIELDS}
                for p in Person.select().where(Person.company == company.id).order_by(Person.id)
            ]
            for rule_id in visit.rule_ids:
                criteria = rules[rule_id]
                if not company_matches(criteria, data):
                    continue
                chosen = [p for p in people if person_matches(criteria, p)]
                if criteria.contact_filter == "role" and criteria.preferred_role:
                    chosen.sort(key=lambda p: p["role"] != criteria.preferred_role)
                chosen = chosen[: criteria.contacts]
                if criteria.contacts and not chosen:
                    continue
                answer.revealed.append(Revealed(visit.ip, rule_id, Found(data, chosen)))
                break
            else:
                answer.no_match.append(visit.ip)
        return answer
