"""Contacts' VAT numbers checked with VIES, retried while VIES is unavailable."""

import datetime as dt

from addons.partner_autocomplete import config, vat_checks
from addons.partner_autocomplete.models import Company, VatCheck
from host import Contact


def _company_contact(admin_client, vat_number, **extra):
    data = {"name": "Acme", "is_company": "y", "country": "DE", "vat": vat_number, **extra}
    response = admin_client.post("/contacts/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return Contact.get(Contact.name == data["name"])


def test_saving_a_company_with_an_eu_number_checks_it(pa, admin_client, fake_vies):
    fake_vies.register("DE", "136695976", "ACME GMBH", "HAUPTSTRASSE 1\n10115 BERLIN")
    contact = _company_contact(admin_client, "DE 136 695 976")
    check = VatCheck.get(VatCheck.contact_id == contact.id)
    assert check.state == "valid" and check.vat == "DE136695976"
    assert check.vies_name == "ACME GMBH"
    page = admin_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f"VIES: valid on {dt.date.today().isoformat()}" in page
    dialog = admin_client.get(f"/partner_autocomplete/vies/{contact.id}").get_data(as_text=True)
    assert "ACME GMBH" in dialog and "HAUPTSTRASSE 1" in dialog


def test_a_number_vies_does_not_know_is_not_valid(pa, admin_client, fake_vies):
    contact = _company_contact(admin_client, "DE136695976")
    assert vat_checks.label(VatCheck.get(VatCheck.contact_id == contact.id)) == "VIES: not valid"
    page = admin_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "VIES: not valid" in page


def test_transient_faults_are_retried_with_backoff_then_succeed(pa, admin_client, fake_vies):
    fake_vies.register("DE", "136695976", "ACME GMBH", "---")
    fake_vies.fail_next("MS_UNAVAILABLE", "GLOBAL_MAX_CONCURRENT_REQ")
    contact = _company_contact(admin_client, "DE136695976")
    check = VatCheck.get(VatCheck.contact_id == contact.id)
    assert check.state == "unavailable" and check.attempts == 1
    assert vat_checks.label(check) == "VIES: unavailable, will retry"
    assert "VIES: unavailable, will retry" in admin_client.get(f"/contacts/{contact.id}").get_data(
        as_text=True
    )
    first_wait = check.next_try_at - check.updated_at
    assert vat_checks.run(contact.id) == "unavailable"
    check = VatCheck.get_by_id(check.id)
    assert check.attempts == 2
    assert check.next_try_at - check.updated_at > first_wait  # backoff grows
    assert vat_checks.due_retries(check.next_try_at + dt.timedelta(seconds=1)) == [contact.id]
    assert vat_checks.run(contact.id) == "valid"
    check = VatCheck.get_by_id(check.id)
    assert check.vies_address == "---" and check.attempts == 3
    dialog = admin_client.get(f"/partner_autocomplete/vies/{contact.id}").get_data(as_text=True)
    assert "not disclosed by the member state" in dialog


def test_invalid_input_is_final(pa, admin_client, fake_vies):
    fake_vies.fail_next("INVALID_INPUT")
    contact = _company_contact(admin_client, "DE136695976")
    check = VatCheck.get(VatCheck.contact_id == contact.id)
    assert check.state == "failed" and "invalid input" in check.detail
    assert vat_checks.run(contact.id) is None  # nothing to retry
    assert len(fake_vies.requests) == 1


def test_retries_stop_after_the_configured_attempts(pa, app, admin_client, fake_vies):
    app.config["PARTNER_AUTOCOMPLETE_VIES_ATTEMPTS"] = 2
    fake_vies.fail_next("SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE")
    contact = _company_contact(admin_client, "DE136695976")
    assert vat_checks.run(contact.id) == "failed"
    check = VatCheck.get(VatCheck.contact_id == contact.id)
    assert "2 tries" in check.detail


def test_non_eu_numbers_and_switched_off_vies_are_not_checked(pa, admin_client, fake_vies):
    _company_contact(admin_client, "NO995525828MVA", country="NO")
    config.SETTINGS.put("vies", False)
    _company_contact(admin_client, "DE136695976", name="Other")
    assert VatCheck.select().count() == 0
    assert fake_vies.requests == []


def test_undisclosed_vies_name_never_overwrites_data(pa, admin_client, fake_vies):
    """A VAT typed with no register match is looked up in VIES; its '---'
    name is shown as undisclosed and never filled into the form."""
    fake_vies.register("DE", "136695976", "---", "HAUPTSTRASSE 1\n10115 BERLIN")
    answer = admin_client.get(
        "/partner_autocomplete/suggest", query_string={"q": "DE136695976", "field": "vat"}
    ).get_json()
    [row] = answer["suggestions"]
    assert row["label"] == "Name not disclosed (VIES)"
    company = Company.get_by_id(int(row["choose"].rsplit("/", 1)[1]))
    assert company.source == "vies"
    assert company.name == "" and company.city == "Berlin" and company.zip == "10115"
    from addons.partner_autocomplete import enrich

    assert "name" not in enrich.values(company)


def test_vies_unavailable_during_typing_says_so(pa, admin_client, fake_vies):
    fake_vies.fail_next("MS_UNAVAILABLE")
    answer = admin_client.get(
        "/partner_autocomplete/suggest", query_string={"q": "DE136695976", "field": "vat"}
    ).get_json()
    assert answer["suggestions"] == []
    assert answer["message"].startswith("VIES: unavailable")
