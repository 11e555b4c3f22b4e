"""The ``remote`` provider: a lead mining service speaking the JSON-RPC shape of
Odoo's (``POST {url}/iap/clearbit/1/lead_mining_request`` and ``…/reveal``).

A call is ``{"jsonrpc": "2.0", "method": "call", "params": {"account_token":
…, "data": {…}}, "id": …}``; the answer's ``result`` holds ``data``, a list
of ``{"company_data": {…}, "people_data": [{…}]}``, or its ``error`` names
the failure (``…InsufficientCreditError``, ``…NoResultError``). Company
fields follow Clearbit's names (``domain``, ``country_code``,
``state_code``, ``sic_code``, ``employees``, ``founded_year``…).
"""

from __future__ import annotations

import uuid

import requests
from flask import current_app

from addons.lead_generation.criteria import Criteria, company_matches, person_matches
from addons.lead_generation.providers.base import (
    Found,
    LeadProvider,
    ProviderError,
    RevealAnswer,
    Revealed,
    Visit,
)

MINING_PATH = "/iap/clearbit/1/lead_mining_request"
REVEAL_PATH = "/iap/clearbit/1/reveal"


def payload(criteria: Criteria, count: int) -> dict:
    """The request's ``data``, in Odoo's field names."""
    data: dict = {
        "lead_number": count,
        "search_type": criteria.search_type,
        "countries": list(criteria.countries),
    }
    if criteria.states:
        data["states"] = list(criteria.states)
    if criteria.filter_on_size:
        data.update(company_size_min=criteria.size_min, company_size_max=criteria.size_max)
    if criteria.sic_groups:
        data["industry_ids"] = list(criteria.sic_groups)
    if criteria.search_type == "people":
        data.update(
            contact_number=criteria.contact_number, contact_filter_type=criteria.contact_filter
        )
        if criteria.contact_filter == "role":
            data.update(
                preferred_role=criteria.preferred_role, other_roles=list(criteria.other_roles)
            )
        else:
            data["seniority"] = criteria.seniority
    return data


def _company(data: dict) -> dict:
    sic = str(data.get("sic_code") or data.get("sic_group") or "")[:2]
    return {
        "uid": str(data.get("clearbit_id") or data.get("id") or data.get("domain") or ""),
        "name": data.get("name") or data.get("legal_name") or "",
        "domain": (data.get("domain") or "").lower(),
        "vat": data.get("vat") or "",
        "country": (data.get("country_code") or "").upper(),
        "state": (data.get("state_code") or "").upper(),
        "city": data.get("city") or "",
        "sic_group": sic,
        "employees": int(data.get("employees") or 0),
        "revenue_band": data.get("estimated_annual_revenue") or "",
        "founded": data.get("founded_year"),
        "website": data.get("website")
        or (f"https://{data['domain']}" if data.get("domain") else ""),
        "linkedin": data.get("linkedin") or "",
        "twitter": data.get("twitter") or "",
        "phone": (data.get("phone_numbers") or [""])[0] if data.get("phone_numbers") else "",
        "email": (data.get("email") or [""])[0]
        if isinstance(data.get("email"), list)
        else data.get("email") or "",
    }


def _person(data: dict) -> dict:
    return {
        "name": data.get("full_name") or data.get("name") or "",
        "job_title": data.get("title") or "",
        "email": data.get("email") or "",
        "phone": data.get("phone") or "",
        "role": data.get("role") or "",
        "seniority": data.get("seniority") or "",
    }


class RemoteProvider(LeadProvider):
    key = "remote"
    name = "Remote lead mining service (JSON-RPC)"

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ):
        self._url, self._token, self._timeout = url, token, timeout

    def _settings(self) -> tuple[str, str, float]:
        cfg = current_app.config
        return (
            (self._url or cfg["LEAD_GENERATION_REMOTE_URL"]).rstrip("/"),
            self._token if self._token is not None else cfg["LEAD_GENERATION_REMOTE_TOKEN"],
            float(self._timeout or cfg["LEAD_GENERATION_TIMEOUT"]),
        )

    def call(self, path: str, data: dict) -> dict:
        url, token, timeout = self._settings()
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"account_token": token, "data": data},
            "id": uuid.uuid4().hex,
        }
        try:
            response = requests.post(url + path, json=body, timeout=timeout)
        except requests.Timeout:
            raise ProviderError(
                "timeout", f"The lead provider did not answer within {timeout:g} s."
            ) from None
        except requests.RequestException as exc:
            raise ProviderError(
                "error", f"The lead provider could not be reached ({type(exc).__name__})."
            ) from None
        if response.status_code != 200:
            raise ProviderError("error", f"The lead provider answered HTTP {response.status_code}.")
        try:
            answer = response.json()
        except ValueError:
            raise ProviderError("error", "The lead provider's answer is not JSON.") from None
        if answer.get("error"):
            error = answer["error"]
            name = str((error.get("data") or {}).get("name", ""))
            message = str((error.get("data") or {}).get("message") or error.get("message") or "")
            if name.endswith("InsufficientCreditError"):
                raise ProviderError(
                    "credits", f"The lead provider's account has no credits left: {message}"
                )
            if name.endswith("NoResultError") or "no_result" in name:
                raise ProviderError("no_result", message or "No company matches these criteria.")
            raise ProviderError("error", f"The lead provider refused the request: {message[:200]}")
        result = answer.get("result")
        if not isinstance(result, dict):
            raise ProviderError("error", "The lead provider's answer has no result.")
        return result

    def search(self, criteria: Criteria, count: int) -> list[Found]:
        result = self.call(MINING_PATH, payload(criteria, count))
        found = []
        for item in result.get("data") or []:
            company = _company(item.get("company_data") or {})
            # A provider's answer is checked like our own: a lead outside the
            # criteria is neither stored nor charged.
            if not company["name"] or not company_matches(criteria, company):
                continue
            people = [_person(p) for p in item.get("people_data") or []]
            people = [p for p in people if p["name"] and person_matches(criteria, p)]
            people = people[: criteria.contacts]
            if criteria.contacts and not people:
                continue
            found.append(Found(company, people))
        return found[:count]

    def reveal(self, visits: list[Visit], rules: dict[int, Criteria]) -> RevealAnswer:
        data = {
            "ips": {v.ip: v.rule_ids for v in visits},
            "rules": {str(rid): payload(c, 1) for rid, c in rules.items()},
        }
        result = self.call(REVEAL_PATH, data)
        if result.get("credit_error"):
            raise ProviderError("credits", "The lead provider's account has no credits left.")
        answer = RevealAnswer(not_found=list(result.get("not_found") or []))
        asked = {v.ip: v.rule_ids for v in visits}
        for item in result.get("reveal_data") or []:
            ip, rule_id = item.get("ip"), int(item.get("rule_id") or 0)
            if ip not in asked or rule_id not in asked[ip]:
                continue
            company = _company(item.get("company_data") or {})
            people = [_person(p) for p in item.get("people_data") or []]
            answer.revealed.append(
                Revealed(ip, rule_id, Found(company, people[: rules[rule_id].contacts]))
            )
        return answer
