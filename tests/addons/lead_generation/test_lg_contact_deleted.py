"""Deleting the contact a lead was converted into: the lead stays a lead,
with its own company and person, and can be converted again."""

from addons.lead_generation.models import CrmKey, Lead
from host import Contact


def converted(client) -> tuple[Lead, Contact, Contact]:
    lead = Lead.create(
        company_name="Acme Lights", contact_name="Anna Smet", email="anna@acme-lights.example",
        website="https://acme-lights.example", country="BE",
    )  # fmt: skip
    assert client.post(f"/lead_generation/leads/{lead.id}/convert").status_code == 302
    person = Contact.get(Contact.name == "Anna Smet")
    return Lead.get_by_id(lead.id), Contact.get(Contact.name == "Acme Lights"), person


def test_the_lead_page_answers_after_its_contact_is_deleted(lg, admin_client, user_client):
    lead, _company, person = converted(admin_client)
    assert lead.contact_id == person.id

    response = user_client.post(f"/contacts/{person.id}/delete")

    assert response.status_code == 302 and response.headers["Location"].endswith("/contacts")
    assert Lead.get_by_id(lead.id).contact_id is None
    # SQLite gives the deleted last row's id to the next contact: the lead
    # must not open it as its own.
    newcomer = Contact.create(name="Somebody Else")
    page = admin_client.get(f"/lead_generation/leads/{lead.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Anna Smet" in text and "anna@acme-lights.example" in text
    assert "Convert to contact" in text and "Open contact" not in text
    assert f"/contacts/{newcomer.id}" not in text
    again = admin_client.post(f"/lead_generation/leads/{lead.id}/convert")
    anna = Contact.get(Contact.name == "Anna Smet")
    assert again.headers["Location"].endswith(f"/contacts/{anna.id}") and anna.id != newcomer.id


def test_the_crm_forgets_a_company_only_a_deleted_contact_knew(lg, admin_client, user_client):
    _lead, company, _person = converted(admin_client)
    by_contact = CrmKey.get(CrmKey.key == "domain:acme-lights.example")
    assert by_contact.contact_id == company.id and by_contact.lead_id is None

    assert user_client.post(f"/contacts/{company.id}/delete").status_code == 302

    assert not CrmKey.select().where(CrmKey.contact_id == company.id).exists()
    assert not CrmKey.select().where(CrmKey.key == "domain:acme-lights.example").exists()


def test_lead_generation_migration_2_forgets_contacts_deleted_before(app, lg, admin_client):
    from tests.host.addon_kit import upgraded_from

    lead, _company, _person = converted(admin_client)
    Contact.delete().execute()  # as the contact form deleted them before version 2
    with upgraded_from(app, "lead_generation", 1) as version:
        assert version == 2
        assert Lead.get_by_id(lead.id).contact_id is None
        assert not CrmKey.select().where(CrmKey.contact_id.is_null(False)).exists()
