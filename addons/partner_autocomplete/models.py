"""The partner_autocomplete addon's tables."""

from __future__ import annotations

import peewee

from host import BaseModel, utcnow


class Company(BaseModel):
    """One company of the register: a GLEIF record (``lei``), or a company
    VIES answered for (``source == "vies"``, no LEI).

    ``name_key``, ``vat_digits`` and ``domain`` are what search compares
    (see :mod:`addons.partner_autocomplete.normalize`).
    """

    lei = peewee.CharField(max_length=20, null=True, unique=True)
    source = peewee.CharField(max_length=16, default="register")
    name = peewee.CharField(max_length=255)
    name_key = peewee.CharField(max_length=255, default="")
    vat = peewee.CharField(max_length=32, default="", index=True)
    vat_digits = peewee.CharField(max_length=32, default="", index=True)
    domain = peewee.CharField(max_length=255, default="", index=True)
    website = peewee.CharField(max_length=255, default="")
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=32, default="")
    street = peewee.CharField(max_length=128, default="")
    street2 = peewee.CharField(max_length=128, default="")
    zip = peewee.CharField(max_length=16, default="")
    city = peewee.CharField(max_length=64, default="")
    region = peewee.CharField(max_length=16, default="")  # ISO 3166-2 (US-CA) when known
    country = peewee.CharField(max_length=2, default="")
    legal_form = peewee.CharField(max_length=64, default="")
    industry = peewee.CharField(max_length=128, default="")
    employees = peewee.CharField(max_length=32, default="")
    founded = peewee.IntegerField(null=True)
    description = peewee.TextField(default="")
    # An https:// image of the company's logo (``Extra.Logo``), shown in the dropdown.
    logo = peewee.CharField(max_length=255, default="")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "partner_autocomplete_company"


class Purchase(BaseModel):
    """A company whose data was paid for (``paid``), or is being paid for by
    one request (``pending``, with that request's ``token``): the unique
    company makes every other request wait for it rather than pay again."""

    company = peewee.ForeignKeyField(Company, unique=True, on_delete="CASCADE")
    state = peewee.CharField(max_length=8, default="pending")
    token = peewee.CharField(max_length=32)
    user_id = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "partner_autocomplete_purchase"


class ContactCompany(BaseModel):
    """The company a contact was filled from (one per contact)."""

    contact_id = peewee.IntegerField(unique=True)
    company = peewee.ForeignKeyField(Company, on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "partner_autocomplete_contact_company"


class VatCheck(BaseModel):
    """What VIES said about a contact's VAT number, and when to ask again."""

    contact_id = peewee.IntegerField(unique=True)
    vat = peewee.CharField(max_length=32)
    # pending, valid, invalid, unavailable (will retry), failed (final fault)
    state = peewee.CharField(max_length=16, default="pending")
    detail = peewee.CharField(max_length=255, default="")
    vies_name = peewee.CharField(max_length=255, default="")
    vies_address = peewee.TextField(default="")
    checked_on = peewee.DateField(null=True)
    attempts = peewee.IntegerField(default=0)
    next_try_at = peewee.DateTimeField(null=True)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "partner_autocomplete_vat_check"


class RegisterLoad(BaseModel):
    """One load of a register file: when, how many rows, what was refused."""

    filename = peewee.CharField(max_length=255)
    started_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)
    loaded = peewee.IntegerField(default=0)
    refused = peewee.IntegerField(default=0)
    errors = peewee.TextField(default="")

    class Meta:
        table_name = "partner_autocomplete_register_load"


MODELS = [Company, Purchase, ContactCompany, VatCheck, RegisterLoad]
