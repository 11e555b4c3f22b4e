"""Demo data for ``make run``: an admin, contacts of five countries, addons on.

Loading twice changes nothing: what exists is kept.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from host.db import db
from host.manifest import AddonError
from host.models import Contact, Setting, User
from host.plugins import notify_saved

ADMIN_EMAIL = "admin@example.com"
DEMO_USER_EMAIL = "demo@example.com"

CONTACTS = [
    # name, company, is_company, email, phone, mobile, street, city, zip, country, vat, website
    (
        "Brasserie Cantillon",
        "",
        True,
        "info@cantillon.example",
        "+32 2 521 49 28",
        "",
        "Rue Gheude 56",
        "Brussels",
        "1070",
        "BE",
        "BE0403019261",
        "https://cantillon.example",
    ),
    (
        "Marie Dubois",
        "Brasserie Cantillon",
        False,
        "marie@cantillon.example",
        "",
        "+32 470 12 34 56",
        "Rue Gheude 56",
        "Brussels",
        "1070",
        "BE",
        "",
        "",
    ),
    (
        "Jan de Vries",
        "Fietsen BV",
        False,
        "jan@fietsen.example",
        "+31 20 123 4567",
        "+31 6 12345678",
        "Damrak 1",
        "Amsterdam",
        "1012 LG",
        "NL",
        "",
        "",
    ),
    (
        "Fietsen BV",
        "",
        True,
        "sales@fietsen.example",
        "+31 20 123 4567",
        "",
        "Damrak 1",
        "Amsterdam",
        "1012 LG",
        "NL",
        "NL004495445B01",
        "",
    ),
    (
        "Camille Martin",
        "Atelier Martin",
        False,
        "camille@atelier.example",
        "+33 1 42 68 53 00",
        "+33 6 12 34 56 78",
        "12 Rue de Rivoli",
        "Paris",
        "75004",
        "FR",
        "",
        "",
    ),
    (
        "Lukas Schmidt",
        "Schmidt GmbH",
        False,
        "lukas@schmidt.example",
        "+49 30 1234567",
        "+49 1512 3456789",
        "Unter den Linden 5",
        "Berlin",
        "10117",
        "DE",
        "",
        "",
    ),
    (
        "Schmidt GmbH",
        "",
        True,
        "kontakt@schmidt.example",
        "+49 30 1234567",
        "",
        "Unter den Linden 5",
        "Berlin",
        "10117",
        "DE",
        "DE136695976",
        "",
    ),
    (
        "Emily Johnson",
        "Acme Corp",
        False,
        "emily@acme.example",
        "+1 212 555 0142",
        "+1 201 555 0123",
        "350 Fifth Avenue",
        "New York",
        "10118",
        "US",
        "",
        "",
    ),
    (
        "Acme Corp",
        "",
        True,
        "hello@acme.example",
        "+1 212 555 0142",
        "",
        "350 Fifth Avenue",
        "New York",
        "10118",
        "US",
        "",
        "https://acme.example",
    ),
    (
        "Sophie Peeters",
        "",
        False,
        "sophie@example.com",
        "",
        "0471 23 45 67",
        "Meir 10",
        "Antwerp",
        "2000",
        "BE",
        "",
        "",
    ),
    ("No Number", "", False, "nonumber@example.com", "", "", "", "Ghent", "9000", "BE", "", ""),
]

FIELDS = (
    "name",
    "company_name",
    "is_company",
    "email",
    "phone",
    "mobile",
    "street",
    "city",
    "zip",
    "country",
    "vat",
    "website",
)


def admin_password(app: Flask) -> str:
    """The demo administrator's password, kept (0600) in the instance folder."""
    return _password(app, "demo_admin_password")


def user_password(app: Flask) -> str:
    """The demo user's own password: knowing it must not open the admin's account."""
    return _password(app, "demo_user_password")


def _password(app: Flask, name: str) -> str:
    from host.private_files import read_key

    return read_key(Path(app.instance_path) / name, lambda: secrets.token_urlsafe(9))


def load(app: Flask):
    password = admin_password(app)
    with db.atomic():
        if not User.select().where(User.email == ADMIN_EMAIL).exists():
            admin = User(email=ADMIN_EMAIL, name="Mitchell Admin", is_admin=True)
            admin.set_password(password)
            admin.save()
            user = User(email=DEMO_USER_EMAIL, name="Marc Demo", is_admin=False)
            user.set_password(user_password(app))
            user.save()
        Setting.write("company_name", Setting.read("company_name", "YourCompany") or "YourCompany")
        Setting.write("company_country", Setting.read("company_country", "BE") or "BE")
        created = []
        if not Contact.select().exists():
            for row in CONTACTS:
                created.append(Contact.create(**dict(zip(FIELDS, row, strict=True))).id)
    registry = app.extensions["host"]
    for addon in registry.loaded():
        if addon.core:
            continue
        try:
            registry.enable(addon.name)
        except AddonError as exc:
            yield f"could not enable {addon.name}: {exc}"
    notify_saved("contact", created)
    yield (
        f"demo data ready: log in as {ADMIN_EMAIL} / {password} "
        f"(user: {DEMO_USER_EMAIL} / {user_password(app)})"
    )
