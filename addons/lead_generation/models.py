"""The lead_generation addon's tables.

Three groups: the CRM side (leads, their contacts, mining requests, rules,
page views and what each visitor IP gave), the claims that keep a company
from being returned twice, and the local provider's dataset (companies,
people, IP ranges), loaded by ``iap-host lead-generation load``.
"""

from __future__ import annotations

import peewee

from host import BaseModel, DecimalAsIntegerField, User, utcnow


def _split(text: str) -> list[str]:
    return [part for part in (text or "").split(",") if part]


class MiningRequest(BaseModel):
    """One ``Generate Leads`` request: its criteria, its state and what it cost.

    ``state``: ``draft`` (saved, waiting for its job), ``running``, ``done``
    or ``error`` with ``error`` ``no_result``, ``credits`` or ``provider``.
    Lists are stored comma-separated (``countries = "BE,NL"``).
    """

    search_type = peewee.CharField(max_length=16, default="companies")  # or "people"
    lead_number = peewee.IntegerField(default=10)
    countries = peewee.CharField(max_length=255, default="")
    states = peewee.TextField(default="")
    sic_groups = peewee.TextField(default="")
    filter_on_size = peewee.BooleanField(default=True)
    size_min = peewee.IntegerField(default=1)
    size_max = peewee.IntegerField(default=1000)
    contact_number = peewee.IntegerField(default=0)
    contact_filter = peewee.CharField(max_length=16, default="role")  # or "seniority"
    preferred_role = peewee.CharField(max_length=32, default="")
    other_roles = peewee.CharField(max_length=512, default="")
    seniority = peewee.CharField(max_length=16, default="")
    lead_type = peewee.CharField(max_length=16, default="lead")  # or "opportunity"
    team = peewee.CharField(max_length=64, default="")
    salesperson = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    tags = peewee.CharField(max_length=255, default="")
    state = peewee.CharField(max_length=16, default="draft", index=True)
    error = peewee.CharField(max_length=16, default="")
    error_message = peewee.CharField(max_length=512, default="")
    companies_found = peewee.IntegerField(default=0)
    contacts_found = peewee.IntegerField(default=0)
    credits_charged = DecimalAsIntegerField(default=0)
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)
    done_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "lead_generation_request"

    @property
    def name(self) -> str:
        return f"mining request {self.id}"


class Rule(BaseModel):
    """A website visitor reveal rule: which visits become which leads."""

    name = peewee.CharField(max_length=128)
    sequence = peewee.IntegerField(default=10)
    active = peewee.BooleanField(default=True)
    countries = peewee.CharField(max_length=255, default="")
    states = peewee.TextField(default="")
    url_pattern = peewee.CharField(max_length=512, default="")
    lead_type = peewee.CharField(max_length=16, default="lead")
    search_type = peewee.CharField(max_length=16, default="companies")
    sic_groups = peewee.TextField(default="")
    filter_on_size = peewee.BooleanField(default=False)
    size_min = peewee.IntegerField(default=1)
    size_max = peewee.IntegerField(default=1000)
    contact_number = peewee.IntegerField(default=0)
    contact_filter = peewee.CharField(max_length=16, default="role")
    preferred_role = peewee.CharField(max_length=32, default="")
    other_roles = peewee.CharField(max_length=512, default="")
    seniority = peewee.CharField(max_length=16, default="")
    team = peewee.CharField(max_length=64, default="")
    salesperson = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    tags = peewee.CharField(max_length=255, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "lead_generation_rule"


class Lead(BaseModel):
    """A lead (or opportunity): a company and its first contact.

    ``domain`` and ``vat`` are unique when known: a company is a lead once.
    ``contact_id`` is the host contact it was converted into.
    """

    lead_type = peewee.CharField(max_length=16, default="lead")
    company_name = peewee.CharField(max_length=255, default="")
    contact_name = peewee.CharField(max_length=255, default="")
    job_title = peewee.CharField(max_length=128, default="")
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=64, default="")
    website = peewee.CharField(max_length=255, default="")
    domain = peewee.CharField(max_length=255, null=True, unique=True)
    vat = peewee.CharField(max_length=32, null=True, unique=True)
    country = peewee.CharField(max_length=2, default="", index=True)
    state = peewee.CharField(max_length=8, default="")
    sic_group = peewee.CharField(max_length=2, default="")
    employees = peewee.IntegerField(null=True)
    source = peewee.CharField(max_length=16, default="manual", index=True)  # mining, website
    request = peewee.ForeignKeyField(
        MiningRequest, null=True, on_delete="SET NULL", backref="leads"
    )
    rule = peewee.ForeignKeyField(Rule, null=True, on_delete="SET NULL", backref="+")
    visitor_ip = peewee.CharField(max_length=45, default="")
    team = peewee.CharField(max_length=64, default="")
    salesperson = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    tags = peewee.CharField(max_length=255, default="")
    provider_uid = peewee.CharField(max_length=64, default="")
    contact_id = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "lead_generation_lead"

    @property
    def source_label(self) -> str:
        if self.source == "mining" and self.request_id:
            return f"mining request {self.request_id}"
        return {"website": "website visit", "mining": "mining request"}.get(self.source, "manual")

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in _split(self.tags) if t.strip()]


class LeadPerson(BaseModel):
    """A contact the provider returned with a lead's company."""

    lead = peewee.ForeignKeyField(Lead, on_delete="CASCADE", backref="people")
    name = peewee.CharField(max_length=255)
    job_title = peewee.CharField(max_length=128, default="")
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=64, default="")
    role = peewee.CharField(max_length=32, default="")
    seniority = peewee.CharField(max_length=16, default="")

    class Meta:
        table_name = "lead_generation_lead_person"


class CrmKey(BaseModel):
    """A company the CRM knows, by ``domain:example.com`` or ``vat:BE0123456789``.

    Its uniqueness is what keeps two requests from paying for one company:
    a request claims a company's keys before charging it, and gives them
    back when it could not pay. Leads and host contacts both add keys.
    """

    key = peewee.CharField(max_length=300, unique=True)
    lead_id = peewee.IntegerField(null=True)
    contact_id = peewee.IntegerField(null=True)
    request_id = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "lead_generation_crm_key"


class PageView(BaseModel):
    """A page view reported by the tracking snippet.

    ``state``: ``pending`` (not yet sent), ``sent`` (with the provider),
    ``lead`` (made one), ``not_found``, ``suppressed`` (IP already gave a
    lead in the last months or is unknown), ``no_rule``, ``no_match``
    (the company matched no rule's filters) or ``credits`` (waits for credits).
    """

    ip = peewee.CharField(max_length=45, index=True)
    url = peewee.CharField(max_length=1024)
    country = peewee.CharField(max_length=2, default="")
    at = peewee.DateTimeField(default=utcnow)
    state = peewee.CharField(max_length=16, default="pending", index=True)
    rule_id = peewee.IntegerField(null=True)
    lead_id = peewee.IntegerField(null=True)

    class Meta:
        table_name = "lead_generation_page_view"
        # The reveal job reads pending views in order (migration 1 on older installs).
        indexes = ((("state", "id"), False),)


class RevealedIp(BaseModel):
    """What the provider said about a visitor IP: ``lead`` (when) or ``not_found`` (for good)."""

    ip = peewee.CharField(max_length=45, unique=True)
    state = peewee.CharField(max_length=16)
    lead_id = peewee.IntegerField(null=True)
    at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "lead_generation_revealed_ip"


# The local provider's dataset.


class Company(BaseModel):
    """A company of the local dataset; ``uid`` is the file's id, kept across reloads."""

    uid = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=255)
    domain = peewee.CharField(max_length=255, default="", index=True)
    vat = peewee.CharField(max_length=32, default="")
    country = peewee.CharField(max_length=2)
    state = peewee.CharField(max_length=8, default="")
    city = peewee.CharField(max_length=64, default="")
    sic_group = peewee.CharField(max_length=2, default="")
    employees = peewee.IntegerField(default=0)
    revenue_band = peewee.CharField(max_length=16, default="")
    founded = peewee.IntegerField(null=True)
    website = peewee.CharField(max_length=255, default="")
    linkedin = peewee.CharField(max_length=255, default="")
    twitter = peewee.CharField(max_length=255, default="")
    phone = peewee.CharField(max_length=64, default="")
    email = peewee.CharField(max_length=254, default="")

    class Meta:
        table_name = "lead_generation_company"
        indexes = ((("country", "sic_group", "employees"), False),)


class Person(BaseModel):
    uid = peewee.CharField(max_length=64, unique=True)
    company = peewee.ForeignKeyField(Company, on_delete="CASCADE", backref="people")
    name = peewee.CharField(max_length=255)
    job_title = peewee.CharField(max_length=128, default="")
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=64, default="")
    role = peewee.CharField(max_length=32, default="", index=True)
    seniority = peewee.CharField(max_length=16, default="")

    class Meta:
        table_name = "lead_generation_person"


class IpRange(BaseModel):
    """An IPv4 range (CIDR) known to belong to a company: ``first``..``last`` as integers."""

    cidr = peewee.CharField(max_length=43, unique=True)
    first = peewee.BigIntegerField(index=True)
    last = peewee.BigIntegerField()
    company = peewee.ForeignKeyField(Company, on_delete="CASCADE", backref="+")

    class Meta:
        table_name = "lead_generation_ip_range"


class DatasetLoad(BaseModel):
    """One load of a dataset file: when, how many rows, what was refused."""

    filename = peewee.CharField(max_length=255)
    started_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)
    loaded = peewee.IntegerField(default=0)
    refused = peewee.IntegerField(default=0)
    sample = peewee.BooleanField(default=False)

    class Meta:
        table_name = "lead_generation_dataset_load"


MODELS = [
    MiningRequest,
    Rule,
    Lead,
    LeadPerson,
    CrmKey,
    PageView,
    RevealedIp,
    Company,
    Person,
    IpRange,
    DatasetLoad,
]
