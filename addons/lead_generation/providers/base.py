"""What a lead provider is, and what it answers.

A provider is declared by the ``lead_generation_providers`` hook. Its calls
run outside any database transaction; the addon charges for what they
return, so a provider never charges by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from addons.lead_generation.criteria import Criteria


class ProviderError(Exception):
    """The provider could not answer. ``code``: ``no_result``, ``credits`` (the
    provider's own account is empty), ``timeout`` or ``error``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Found:
    """A company the provider returned, with its people (already filtered).

    ``company`` keys: ``uid``, ``name``, ``domain``, ``vat``, ``country``,
    ``state``, ``city``, ``sic_group``, ``employees``, ``revenue_band``,
    ``founded``, ``website``, ``linkedin``, ``twitter``, ``phone``, ``email``.
    ``people`` items: ``name``, ``job_title``, ``email``, ``phone``, ``role``, ``seniority``.
    """

    company: dict
    people: list[dict] = field(default_factory=list)


@dataclass
class Visit:
    """A visitor IP sent for reveal, with the ids of the rules it may match, in order."""

    ip: str
    rule_ids: list[int]


@dataclass
class Revealed:
    """A reveal's answer: the company behind an IP and the rule it matched."""

    ip: str
    rule_id: int
    found: Found


@dataclass
class RevealAnswer:
    revealed: list[Revealed] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    # IPs whose company matched none of their rules' filters.
    no_match: list[str] = field(default_factory=list)


class LeadProvider:
    key = ""
    name = ""
    sequence = 10

    @property
    def id(self) -> str:  # hook results are sorted and de-duplicated by id
        return self.key

    def states(self) -> dict[str, set[str]]:
        """The states its data carries per country (``{"US": {"CA", …}}``)."""
        return {}

    def search(self, criteria: Criteria, count: int) -> list[Found]:
        """Up to ``count`` companies matching ``criteria`` that the CRM does not know yet."""
        raise NotImplementedError

    def reveal(self, visits: list[Visit], rules: dict[int, Criteria]) -> RevealAnswer:
        """The companies behind visitor IPs (at most 25 per call)."""
        raise NotImplementedError
