"""wtforms forms of the host's own pages."""

from __future__ import annotations

import phonenumbers
import pycountry
from markupsafe import Markup, escape
from stdnum import vatin
from wtforms import BooleanField, EmailField, Form, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import Select, html_params

from host.contact_values import EMAIL, field_check, website_url
from host.models import Setting

try:  # wtforms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older wtforms

    def _Choice(value, label):  # noqa: N802 - stands in for a class
        return (value, label)


# (code, name) of every ISO 3166 country, by name: the choices of country selects.
COUNTRY_PAIRS = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
COUNTRIES = [_Choice(code, name) for code, name in COUNTRY_PAIRS]
COUNTRY_CODES = frozenset(code for code, _ in COUNTRY_PAIRS)


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country else code


class OptionsOnceSelect(Select):
    """A ``<select>`` whose options are rendered once per process and marked
    ``selected`` per page: the ~250 countries took wtforms some 5 ms on every
    contact page. The HTML is wtforms' own, byte for byte.
    """

    _LIMIT = 8  # different lists of choices kept rendered

    def __init__(self):
        super().__init__()
        self._options: dict[tuple, str] = {}

    def _rendered(self, choices) -> str:
        # wtforms copies ``choices`` into every form, so they are told apart by content.
        pairs = tuple((c.value, c.label) if hasattr(c, "value") else (c[0], c[1]) for c in choices)
        body = self._options.get(pairs)
        if body is None:
            options = (
                f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in pairs
            )
            body = "".join(options)
            if len(self._options) >= self._LIMIT:
                self._options.clear()
            self._options[pairs] = body
        return body

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        body = self._rendered(field.choices)
        if field.data is not None:
            option = f'<option value="{escape(field.data)}">'
            body = body.replace(option, f'<option selected value="{escape(field.data)}">', 1)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{body}</select>")


class LoginForm(Form):
    email = StringField("Email", [DataRequired(), Length(max=254)])
    password = PasswordField("Password", [DataRequired(), Length(max=1024)])


class ContactForm(Form):
    name = StringField("Name", [DataRequired("A contact needs a name."), Length(max=128)])
    company_name = StringField("Company Name", [Optional(), Length(max=128)])
    is_company = BooleanField("Is a Company")
    email = EmailField(
        "Email",
        [
            Optional(),
            Length(max=254),
            Regexp(EMAIL, message="Enter an email such as jane@example.com."),
        ],
    )
    phone = StringField("Phone", [Optional(), Length(max=32)])
    mobile = StringField("Mobile", [Optional(), Length(max=32)])
    street = StringField("Street", [Optional(), Length(max=128)])
    street2 = StringField("Street 2", [Optional(), Length(max=128)])
    city = StringField("City", [Optional(), Length(max=64)])
    zip = StringField("ZIP", [Optional(), Length(max=16)])
    country = SelectField(
        "Country",
        choices=[_Choice("", "")] + COUNTRIES,
        validate_choice=False,
        widget=OptionsOnceSelect(),
    )
    vat = StringField("VAT Number", [Optional(), Length(max=32)])
    website = StringField("Website", [Optional(), Length(max=255), field_check(website_url)])

    def validate_country(self, field):
        if field.data and field.data not in COUNTRY_CODES:
            raise ValidationError(f"{field.data!r} is not an ISO 3166 country code.")

    def validate_phone(self, field):
        field.data = _international_number(field.data, self.country.data)

    def validate_mobile(self, field):
        field.data = _international_number(field.data, self.country.data)

    def validate_vat(self, field):
        if not field.data:
            return
        number = field.data.strip().upper().replace(" ", "").replace(".", "")
        if not number[:2].isalpha() and self.country.data:
            number = self.country.data + number
        if not vatin.is_valid(number):
            raise ValidationError(
                "This VAT number is not valid: give the country prefix and check the digits "
                "(for example BE0477472701)."
            )
        field.data = vatin.compact(number)


def _international_number(raw: str | None, country: str | None) -> str:
    """A phone number in international format, read with the contact's country
    (else the company's) as the region of numbers written without +code."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    region = (country or Setting.read("company_country", "") or "").upper() or None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        where = f" of {country_name(region)}" if region else ""
        raise ValidationError(
            f"This is not a valid phone number{where}: give it with its country code, "
            "such as +32 470 12 34 56."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class UserForm(Form):
    name = StringField("Name", [DataRequired(), Length(max=128)])
    email = StringField(
        "Email", [DataRequired(), Length(max=254), Regexp(EMAIL, message="Enter a valid email.")]
    )
    password = PasswordField("Password", [DataRequired(), Length(min=8, max=1024)])
    is_admin = BooleanField("Administrator")


class CompanyForm(Form):
    company_name = StringField("Company Name", [DataRequired(), Length(max=128)])
    country = SelectField("Country", choices=COUNTRIES, validate_choice=False)

    def validate_country(self, field):
        if not field.data:
            raise ValidationError("Choose the company's country.")
        if field.data not in COUNTRY_CODES:
            raise ValidationError(f"{field.data!r} is not an ISO 3166 country code.")
