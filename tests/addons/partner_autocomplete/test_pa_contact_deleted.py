"""Deleting an enriched contact: what was learnt about it goes with it (the
company link, the VIES check, the chatter card); the purchase stays."""

from addons.partner_autocomplete.models import ContactCompany, Purchase, VatCheck
from host import Contact, notify_saved
from tests.addons.partner_autocomplete.conftest import sample_company
from tests.addons.partner_autocomplete.samples import CONFIG


def test_an_enriched_contact_leaves_nothing_behind(seeded, admin_client, user_client, give_credits):
    give_credits(1)
    company = sample_company(name="Blue Gruber Textiles AG")
    contact = Contact.create(name="Gruber", is_company=True, website="blue-gruber-textiles.at")
    enriched = admin_client.post(
        f"/partner_autocomplete/enrich/{contact.id}", data={"company_id": company.id}
    )
    assert enriched.get_json()["reload"] is True
    notify_saved("contact", [contact.id])  # as the contact form does: its VAT number is checked
    assert ContactCompany.get(ContactCompany.contact_id == contact.id).company_id == company.id
    assert VatCheck.get_or_none(VatCheck.contact_id == contact.id) is not None

    response = user_client.post(f"/contacts/{contact.id}/delete")

    assert response.status_code == 302 and response.headers["Location"].endswith("/contacts")
    assert not ContactCompany.select().where(ContactCompany.contact_id == contact.id).exists()
    assert not VatCheck.select().where(VatCheck.contact_id == contact.id).exists()
    assert Purchase.select().count() == 1
    # SQLite gives the deleted last row's id to the next contact: it starts blank.
    newcomer = Contact.create(name="Gruber Again", is_company=True, vat="BE0477472701")
    page = admin_client.get(f"/contacts/{newcomer.id}").get_data(as_text=True)
    assert company.name not in page and "partner-autocomplete-vies" not in page
    again = admin_client.post(
        f"/partner_autocomplete/enrich/{newcomer.id}", data={"company_id": company.id}
    )
    assert again.status_code == 200


def test_partner_autocomplete_migration_4_forgets_contacts_deleted_before(app, seeded):
    from tests.host.addon_kit import upgraded_from

    company = sample_company(country="BE")
    kept = Contact.create(name="Kept", is_company=True, vat=company.vat, country="BE")
    for contact_id in (kept.id, 10**6):  # 10**6: a contact deleted before version 4
        ContactCompany.create(contact_id=contact_id, company=company.id)
        VatCheck.create(contact_id=contact_id, vat=company.vat)
    with upgraded_from(app, "partner_autocomplete", 3, **CONFIG) as version:
        assert version == 4
        assert [r.contact_id for r in ContactCompany.select()] == [kept.id]
        assert [r.contact_id for r in VatCheck.select()] == [kept.id]
