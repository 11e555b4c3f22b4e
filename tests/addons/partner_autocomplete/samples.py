"""The Partner Autocomplete app's records for the inherited security tests
(tests/test_forms_fuzz.py): the shipped sample register, and a contact of
a registered company (its Enrich and VIES check dialogs)."""

from __future__ import annotations


def make(client, user) -> list[str]:
    from addons.partner_autocomplete import register
    from host import Contact
    from tests.addons.partner_autocomplete.conftest import sample_company

    register.load(register.SAMPLE)
    company = sample_company(country="BE")
    contact = Contact.create(name=company.name, is_company=True, vat=company.vat, country="BE")
    return [
        f"/contacts/{contact.id}",
        f"/partner_autocomplete/enrich/{contact.id}",
        f"/partner_autocomplete/vies/{contact.id}",
    ]


# No outside network in a test: VIES answers "unavailable" at once (nothing listens on port 9).
CONFIG = {"VIES_URL": "http://127.0.0.1:9/vies", "PARTNER_AUTOCOMPLETE_VIES_TIMEOUT": 1}
