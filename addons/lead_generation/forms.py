"""The wtforms forms: a mining request, a reveal rule (they share the criteria
fields) and a lead."""

from __future__ import annotations

import re

import pycountry
from wtforms import (
    BooleanField,
    Form,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from addons.lead_generation.criteria import MAX_CONTACTS, MAX_LEADS, Criteria, CriteriaError, check
from addons.lead_generation.taxonomy import ROLES, SENIORITIES, SIC_GROUPS
from host import User, email_address, field_check, website_url

try:  # wtforms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older wtforms

    def _Choice(value, label):  # noqa: N802 - stands in for a class
        return (value, label)


def _choices(pairs) -> list:
    return [_Choice(value, label) for value, label in pairs]


COUNTRY_CHOICES = _choices(
    sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
)
SIC_CHOICES = _choices((code, f"{code} {name}") for code, name in SIC_GROUPS.items())
ROLE_CHOICES = _choices(ROLES.items())
SENIORITY_CHOICES = _choices(SENIORITIES.items())
NONE = [_Choice("", "—")]


def _known_salesperson(field) -> None:
    raw = str(field.data or "")
    # Not int() on what was posted: "abc" or 2**70 is an unknown salesperson, not a 500.
    if raw and (not raw.isdecimal() or len(raw) > 18 or not User.get_or_none(User.id == int(raw))):
        raise ValidationError("Unknown salesperson.")


def _salespeople():
    return NONE + _choices(
        (str(u.id), u.name or u.email) for u in User.select().order_by(User.name)
    )


class CriteriaForm(Form):
    search_type = RadioField(
        "What to find",
        choices=_choices([("companies", "Companies"), ("people", "Companies and their contacts")]),
        default="companies",
    )
    countries = SelectMultipleField("Countries", choices=COUNTRY_CHOICES)
    states = SelectMultipleField("States", choices=[], validate_choice=False)
    sic_groups = SelectMultipleField("Industries", choices=SIC_CHOICES)
    filter_on_size = BooleanField("Filter on size", default=True)
    size_min = IntegerField("Size from (employees)", default=1, validators=[Optional()])
    size_max = IntegerField("Size to (employees)", default=1000, validators=[Optional()])
    contact_number = IntegerField(
        f"Contacts per company (1–{MAX_CONTACTS})", default=1, validators=[Optional()]
    )
    contact_filter = RadioField(
        "Filter contacts by",
        choices=_choices([("role", "Role"), ("seniority", "Seniority")]),
        default="role",
    )
    preferred_role = SelectField(
        "Preferred role", choices=[_Choice("", "Any"), *ROLE_CHOICES], validate_choice=False
    )
    other_roles = SelectMultipleField("Other roles", choices=ROLE_CHOICES)
    seniority = SelectField("Seniority", choices=NONE + SENIORITY_CHOICES, validate_choice=False)
    lead_type = RadioField(
        "Create",
        choices=_choices([("lead", "Leads"), ("opportunity", "Opportunities")]),
        default="lead",
    )
    team = StringField("Sales team", validators=[Length(max=64)])
    salesperson = SelectField("Salesperson", choices=[], validate_choice=False)
    tags = StringField("Tags", validators=[Length(max=255)], description="Comma-separated")
    require_countries = True

    def __init__(self, formdata=None, states_by_country=None, **kwargs):
        super().__init__(formdata, **kwargs)
        self.states_by_country = states_by_country or {}
        self.states.choices = _choices(
            (f"{country}-{state}", f"{state} ({country})")
            for country in sorted(self.states_by_country)
            for state in sorted(self.states_by_country[country])
        )
        self.salesperson.choices = _salespeople()

    def validate_salesperson(self, field):
        _known_salesperson(field)

    def criteria(self) -> Criteria:
        """The criteria, checked; a :class:`CriteriaError` lands on its field."""
        people = self.search_type.data == "people"
        return check(
            Criteria(
                countries=tuple(self.countries.data or ()),
                search_type=self.search_type.data,
                states=tuple(self.states.data or ()),
                sic_groups=tuple(self.sic_groups.data or ()),
                filter_on_size=bool(self.filter_on_size.data),
                size_min=self.size_min.data if self.size_min.data is not None else 1,
                size_max=self.size_max.data if self.size_max.data is not None else 1000,
                contact_number=(self.contact_number.data or 0) if people else 0,
                contact_filter=self.contact_filter.data or "role",
                preferred_role=self.preferred_role.data or "",
                other_roles=tuple(self.other_roles.data or ()),
                seniority=self.seniority.data or "",
            ),
            self.states_by_country,
            require_countries=self.require_countries,
        )

    def checked_criteria(self) -> Criteria | None:
        """Validate everything; the criteria, or None with the errors on the fields."""
        ok = self.validate()
        try:
            criteria = self.criteria()
        except CriteriaError as exc:
            field = getattr(self, exc.field, self.countries)
            field.errors = [*field.errors, str(exc)]
            return None
        return criteria if ok else None

    def values(self, criteria: Criteria) -> dict:
        """What a mining request or a rule stores."""
        return {
            "search_type": criteria.search_type,
            "countries": ",".join(criteria.countries),
            "states": ",".join(criteria.states),
            "sic_groups": ",".join(criteria.sic_groups),
            "filter_on_size": criteria.filter_on_size,
            "size_min": criteria.size_min,
            "size_max": criteria.size_max,
            "contact_number": criteria.contact_number,
            "contact_filter": criteria.contact_filter,
            "preferred_role": criteria.preferred_role,
            "other_roles": ",".join(criteria.other_roles),
            "seniority": criteria.seniority,
            "lead_type": self.lead_type.data or "lead",
            "team": (self.team.data or "").strip(),
            "salesperson": int(self.salesperson.data) if self.salesperson.data else None,
            "tags": (self.tags.data or "").strip(),
        }


class MiningForm(CriteriaForm):
    lead_number = IntegerField(
        f"How many leads (1–{MAX_LEADS})",
        default=10,
        validators=[InputRequired("Say how many leads you want.")],
    )

    def validate_lead_number(self, field):
        if field.data is not None and not 1 <= field.data <= MAX_LEADS:
            raise ValidationError(f"Ask for 1 to {MAX_LEADS} leads, not {field.data}.")

    def validate_countries(self, field):
        if not field.data:
            raise ValidationError("Choose at least one country.")


class RuleForm(CriteriaForm):
    require_countries = False  # a rule without countries takes visitors from everywhere
    name = StringField("Name", validators=[InputRequired("Give the rule a name."), Length(max=128)])
    sequence = IntegerField("Sequence", default=10, validators=[Optional()])
    active = BooleanField("Active", default=True)
    url_pattern = StringField(
        "URL pattern",
        validators=[Length(max=512)],
        description="A regular expression searched in the page's path (^/pricing); empty: all",
    )

    def validate_url_pattern(self, field):
        if field.data:
            try:
                re.compile(field.data)
            except re.error as exc:
                raise ValidationError(f"Not a valid regular expression: {exc}.") from None


class LeadForm(Form):
    lead_type = RadioField(
        "Type", choices=_choices([("lead", "Lead"), ("opportunity", "Opportunity")])
    )
    company_name = StringField("Company", validators=[Length(max=255)])
    contact_name = StringField("Contact name", validators=[Length(max=255)])
    job_title = StringField("Job title", validators=[Length(max=128)])
    # Checked as the contact form checks them: a converted lead fills a contact.
    email = StringField("Email", validators=[Length(max=254), field_check(email_address)])
    phone = StringField("Phone", validators=[Length(max=64)])
    website = StringField("Website", validators=[Length(max=255), field_check(website_url)])
    country = SelectField("Country", choices=NONE + COUNTRY_CHOICES)
    state = StringField("State", validators=[Length(max=8)])
    team = StringField("Sales team", validators=[Length(max=64)])
    salesperson = SelectField("Salesperson", choices=[], validate_choice=False)
    tags = StringField("Tags", validators=[Length(max=255)])

    def __init__(self, formdata=None, **kwargs):
        super().__init__(formdata, **kwargs)
        self.salesperson.choices = _salespeople()

    def validate_salesperson(self, field):
        _known_salesperson(field)
