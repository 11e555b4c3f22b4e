"""Choosing a company: charged once per company, fields filled without
overwriting, the chatter card, Enrich, out of credits, settings."""

import re

from addons.iap.models import Entry
from addons.partner_autocomplete.models import ContactCompany, Purchase
from host import Contact
from host.models import Message
from tests.addons.partner_autocomplete.conftest import sample_company


def _pick(client, company):
    return client.post(f"/partner_autocomplete/choose/{company.id}")


def test_choosing_a_company_charges_one_credit_once(seeded, admin_client, give_credits, pa_balance):
    give_credits(3)
    company = sample_company(name="Blue Gruber Textiles AG")
    answer = _pick(admin_client, company).get_json()
    assert answer["charged"] is True
    assert answer["values"]["name"] == "Blue Gruber Textiles AG"
    assert answer["values"]["vat"] == company.vat and answer["values"]["country"] == "AT"
    assert answer["values"]["city"] == "Wien" and answer["values"]["website"] == company.website
    assert pa_balance() == 2
    again = _pick(admin_client, company).get_json()
    assert again["charged"] is False and "no credit spent" in again["message"]
    assert pa_balance() == 2
    other = sample_company(country="FR")
    _pick(admin_client, other)
    assert pa_balance() == 1
    descriptions = [e.description for e in Entry.select().where(Entry.kind == "capture")]
    assert descriptions == [f"Company data: {company.name}", f"Company data: {other.name}"]


def test_typed_fields_are_listed_not_overwritten(seeded):
    from addons.partner_autocomplete import enrich

    company = sample_company(name="Blue Gruber Textiles AG")
    typed = {"name": "Gruber", "city": "wien", "phone": "+43 1 000", "email": ""}
    fill, conflicts = enrich.plan(typed, company)
    assert "name" not in fill and "phone" not in fill
    assert "city" not in fill  # the same value: nothing to ask
    assert fill["email"] == company.email
    assert conflicts == [("name", "Gruber", company.name), ("phone", "+43 1 000", company.phone)]


def test_out_of_credits_shows_buy_credits_and_charges_nothing(seeded, admin_client, pa_balance):
    company = sample_company(name="Blue Gruber Textiles AG")
    response = _pick(admin_client, company)
    assert response.status_code == 402
    answer = response.get_json()
    assert "Buy credits" in answer["insufficient"] and "values" not in answer
    assert answer["buy_url"].endswith("/iap/buy/partner_autocomplete")
    assert pa_balance() == 0
    assert Purchase.select().count() == 0
    # searching still works
    found = admin_client.get("/partner_autocomplete/suggest", query_string={"q": "gruber"})
    assert found.get_json()["suggestions"]


def test_saving_the_form_posts_the_company_card(seeded, admin_client, give_credits):
    give_credits(1)
    company = sample_company(name="Blue Gruber Textiles AG")
    fill = _pick(admin_client, company).get_json()["values"]
    form = {**fill, "is_company": "y", "partner_autocomplete_company": str(company.id)}
    assert admin_client.post("/contacts/new", data=form).status_code == 302
    contact = Contact.get(Contact.name == company.name)
    assert contact.vat == company.vat and contact.city == "Wien"
    card = Message.get((Message.res_id == contact.id) & (Message.kind == "company"))
    assert "Source: company register" in card.body
    assert re.search(r"\d{4}-\d{2}-\d{2}", card.body)
    for extra in ("Employees: ", "Founded: ", "Legal form: AG", f"LEI: {company.lei}", "Sample"):
        assert extra in card.body
    page = admin_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Source: company register" in page
    # saving again does not post a second card
    admin_client.post(f"/contacts/{contact.id}", data=form)
    assert Message.select().where(Message.kind == "company").count() == 1


def test_an_unpaid_company_in_the_form_posts_no_card(seeded, admin_client):
    company = sample_company(name="Blue Gruber Textiles AG")
    form = {"name": "Someone", "partner_autocomplete_company": str(company.id)}
    admin_client.post("/contacts/new", data=form)
    assert ContactCompany.select().count() == 0


def test_enrich_fills_empty_fields_and_asks_about_typed_ones(
    seeded, admin_client, give_credits, pa_balance
):
    give_credits(1)
    company = sample_company(name="Blue Gruber Textiles AG")
    contact = Contact.create(
        name="Gruber", is_company=True, website="blue-gruber-textiles.at", phone="+43 1 999"
    )
    dialog = admin_client.get(f"/partner_autocomplete/enrich/{contact.id}").get_data(as_text=True)
    assert company.name in dialog and "Keep mine" in dialog and "Use suggested" in dialog
    assert "(1 credit)" in dialog
    response = admin_client.post(
        f"/partner_autocomplete/enrich/{contact.id}",
        data={"company_id": company.id, "choice_name": "suggested", "choice_phone": "mine"},
    )
    assert response.get_json()["reload"] is True
    contact = Contact.get_by_id(contact.id)
    assert contact.name == company.name and contact.phone == "+43 1 999"
    assert contact.vat == company.vat and contact.zip == company.zip
    assert pa_balance() == 0
    assert Message.select().where(Message.kind == "company").count() == 1


def test_enrich_finds_by_vat_then_domain_then_name(seeded, admin_client):
    company = sample_company(name="Blue Gruber Textiles AG")
    by_name = Contact.create(name="Blue Gruber Textiles", is_company=True)
    by_vat = Contact.create(name="Whoever", is_company=True, vat=company.vat)
    nothing = Contact.create(name="Zzyzx Qwerty", is_company=True)
    for contact in (by_name, by_vat):
        page = admin_client.get(f"/partner_autocomplete/enrich/{contact.id}").get_data(as_text=True)
        assert company.name in page
    page = admin_client.get(f"/partner_autocomplete/enrich/{nothing.id}").get_data(as_text=True)
    assert "No company in the register matches" in page


def test_enrich_out_of_credits_writes_nothing(seeded, admin_client):
    company = sample_company(name="Blue Gruber Textiles AG")
    contact = Contact.create(name="Blue Gruber Textiles", is_company=True)
    response = admin_client.post(
        f"/partner_autocomplete/enrich/{contact.id}", data={"company_id": company.id}
    )
    assert response.status_code == 402
    assert "Buy credits" in response.get_data(as_text=True)
    assert Contact.get_by_id(contact.id).vat == ""
    assert Message.select().where(Message.kind == "company").count() == 0


def test_enrich_button_only_on_company_contacts(seeded, admin_client):
    company = Contact.create(name="Acme", is_company=True)
    person = Contact.create(name="Jane", is_company=False)
    assert "Enrich" in admin_client.get(f"/contacts/{company.id}").get_data(as_text=True)
    assert "Enrich" not in admin_client.get(f"/contacts/{person.id}").get_data(as_text=True)


def test_the_contact_form_has_the_widgets_and_the_choice_script(pa, admin_client):
    page = admin_client.get("/contacts/new").get_data(as_text=True)
    for field in ("name", "vat", "website"):
        assert re.search(rf'data-widget-id="partner-autocomplete-{field}"[^>]*|id="{field}"', page)
    assert page.count('data-suggest-url="/partner_autocomplete/suggest"') == 3
    tag = re.search(r'<script src="([^"]+/choice\.js)"', page)
    assert tag and admin_client.get(tag.group(1)).status_code == 200
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert not re.search(r"\son[a-z]+=", page)
    person = Contact.create(name="Jane", is_company=False)
    assert "data-suggest-url" not in admin_client.get(f"/contacts/{person.id}").get_data(
        as_text=True
    )


def test_settings_block_switches_the_addon_off(seeded, admin_client):
    settings = admin_client.get("/settings").get_data(as_text=True)
    assert "Partner Autocomplete" in settings
    assert f"Company register: {seeded.loaded} companies" in settings
    assert "sample_companies.csv" in settings
    response = admin_client.post("/partner_autocomplete/settings", data={"vies": "1"})
    assert response.status_code == 302
    assert admin_client.get("/partner_autocomplete/suggest?q=gruber").status_code == 404
    new_form = admin_client.get("/contacts/new").get_data(as_text=True)
    assert "choice.js" not in new_form and "data-suggest-url" not in new_form
    company = Contact.create(name="Acme", is_company=True)
    assert "Enrich" not in admin_client.get(f"/contacts/{company.id}").get_data(as_text=True)


def test_settings_are_admin_only(pa, user_client):
    assert user_client.post("/partner_autocomplete/settings", data={}).status_code == 403
