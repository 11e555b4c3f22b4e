"""What to find: the criteria a mining request and a reveal rule share, checked
in one place, and the price of what a search may return.

Pure: the form, the job, the providers and the benchmark all use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from addons.lead_generation.taxonomy import ROLES, SENIORITIES, SIC_GROUPS

MAX_LEADS = 200
MAX_CONTACTS = 5
MAX_EMPLOYEES = 1000
CREDIT_PER_COMPANY = 1
CREDIT_PER_CONTACT = 1


class CriteriaError(ValueError):
    """Criteria that cannot be searched; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Criteria:
    """``search_type`` is ``companies`` or ``people`` (companies and their contacts)."""

    countries: tuple[str, ...]
    search_type: str = "companies"
    states: tuple[str, ...] = ()
    sic_groups: tuple[str, ...] = ()
    filter_on_size: bool = True
    size_min: int = 1
    size_max: int = MAX_EMPLOYEES
    contact_number: int = 0
    contact_filter: str = "role"
    preferred_role: str = ""
    other_roles: tuple[str, ...] = ()
    seniority: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def contacts(self) -> int:
        return self.contact_number if self.search_type == "people" else 0

    def roles(self) -> tuple[str, ...]:
        if self.contact_filter != "role" or not self.preferred_role:
            return ()
        return (self.preferred_role, *[r for r in self.other_roles if r != self.preferred_role])


def max_cost(lead_number: int, search_type: str, contact_number: int) -> int:
    """The most a request may cost: 1 credit per company plus 1 per contact."""
    contacts = contact_number if search_type == "people" else 0
    return lead_number * (CREDIT_PER_COMPANY + CREDIT_PER_CONTACT * contacts)


def cost(companies: int, contacts: int) -> int:
    """What was returned costs: 1 credit per company plus 1 per contact."""
    return companies * CREDIT_PER_COMPANY + contacts * CREDIT_PER_CONTACT


def check_lead_number(n: int) -> int:
    if not 1 <= n <= MAX_LEADS:
        raise CriteriaError("lead_number", f"Ask for 1 to {MAX_LEADS} leads, not {n}.")
    return n


def check(
    criteria: Criteria, states_by_country: dict[str, set[str]], *, require_countries: bool = True
) -> Criteria:
    """``criteria`` if it can be searched, else :class:`CriteriaError`.

    ``states_by_country`` lists the states the provider's data carries per
    country: a state is refused for a country without state data, so a
    request never silently ignores a filter.
    """
    if criteria.search_type not in ("companies", "people"):
        raise CriteriaError("search_type", "Choose Companies or Companies and their contacts.")
    if require_countries and not criteria.countries:
        raise CriteriaError("countries", "Choose at least one country.")
    for state in criteria.states:
        country, _, code = state.partition("-")
        if country not in criteria.countries:
            raise CriteriaError("states", f"{state} is not in a chosen country.")
        if not states_by_country.get(country):
            raise CriteriaError(
                "states", f"The data has no states for {country}: leave States empty."
            )
        if code not in states_by_country[country]:
            raise CriteriaError("states", f"{state} is not a state of {country} in the data.")
    unknown = [g for g in criteria.sic_groups if g not in SIC_GROUPS]
    if unknown:
        raise CriteriaError("sic_groups", f"Unknown industry: {', '.join(unknown)}.")
    if criteria.filter_on_size:
        if not (
            1 <= criteria.size_min <= MAX_EMPLOYEES and 1 <= criteria.size_max <= MAX_EMPLOYEES
        ):
            raise CriteriaError("size_min", f"Sizes go from 1 to {MAX_EMPLOYEES:,} employees.")
        if criteria.size_min > criteria.size_max:
            raise CriteriaError(
                "size_min",
                f"The minimum size ({criteria.size_min}) is above the maximum "
                f"({criteria.size_max}).",
            )
    if criteria.search_type == "people":
        if not 1 <= criteria.contact_number <= MAX_CONTACTS:
            raise CriteriaError(
                "contact_number",
                f"Ask for 1 to {MAX_CONTACTS} contacts per company, not {criteria.contact_number}.",
            )
        if criteria.contact_filter == "role":
            if criteria.preferred_role and criteria.preferred_role not in ROLES:
                raise CriteriaError("preferred_role", "Unknown role.")
            if any(r not in ROLES for r in criteria.other_roles):
                raise CriteriaError("other_roles", "Unknown role.")
        elif criteria.contact_filter == "seniority":
            if criteria.seniority not in SENIORITIES:
                raise CriteriaError(
                    "seniority", "Choose a seniority: director, executive or manager."
                )
        else:
            raise CriteriaError("contact_filter", "Filter contacts by role or by seniority.")
    return criteria


def from_record(record) -> Criteria:
    """The criteria saved on a mining request or a rule."""

    def split(text):
        return tuple(p for p in (text or "").split(",") if p)

    return Criteria(
        countries=split(record.countries),
        search_type=record.search_type,
        states=split(record.states),
        sic_groups=split(record.sic_groups),
        filter_on_size=bool(record.filter_on_size),
        size_min=record.size_min,
        size_max=record.size_max,
        contact_number=record.contact_number if record.search_type == "people" else 0,
        contact_filter=record.contact_filter,
        preferred_role=record.preferred_role,
        other_roles=split(record.other_roles),
        seniority=record.seniority,
    )


def company_matches(criteria: Criteria, company: dict) -> bool:
    """Whether a company (provider answer: ``country``, ``state``, ``sic_group``,
    ``employees``) satisfies every company filter."""
    if criteria.countries and company.get("country") not in criteria.countries:
        return False
    if (
        criteria.states
        and f"{company.get('country')}-{company.get('state')}" not in criteria.states
    ):
        return False
    if criteria.sic_groups and company.get("sic_group") not in criteria.sic_groups:
        return False
    if criteria.filter_on_size:
        employees = company.get("employees") or 0
        if not criteria.size_min <= employees <= criteria.size_max:
            return False
    return True


def person_matches(criteria: Criteria, person: dict) -> bool:
    if criteria.contact_filter == "seniority":
        return person.get("seniority") == criteria.seniority
    roles = criteria.roles()
    return not roles or person.get("role") in roles
