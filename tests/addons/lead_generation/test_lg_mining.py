"""Mining requests: exactly what is returned is charged, the CRM is never sold
twice, credits running out keep what was bought, the company card."""

from addons.lead_generation import mining
from addons.lead_generation.criteria import company_matches, from_record, person_matches
from addons.lead_generation.models import Company, CrmKey, Lead, LeadPerson, MiningRequest
from host import Contact, notify_saved
from host.models import Message
from tests.addons.lead_generation.conftest import new_request


def test_charges_exactly_the_companies_and_contacts_returned(dataset, give_credits, lg_balance):
    give_credits(100)
    request = new_request(
        countries="BE,NL",
        search_type="people",
        contact_number=3,
        lead_number=6,
        contact_filter="seniority",
        seniority="manager",
        tags="fair,2026",
    )
    assert mining.run(request.id) == "done"
    request = MiningRequest.get_by_id(request.id)
    leads = list(Lead.select().where(Lead.request == request.id))
    people = LeadPerson.select().join(Lead).where(Lead.request == request.id).count()
    assert len(leads) == 6 == request.companies_found
    assert people == request.contacts_found and 6 <= people <= 18
    assert request.credits_charged == 6 + people
    assert lg_balance() == 100 - 6 - people
    criteria = from_record(request)
    for lead in leads:
        company = Company.get(Company.domain == lead.domain)
        assert company_matches(
            criteria,
            {
                "country": company.country,
                "state": company.state,
                "sic_group": company.sic_group,
                "employees": company.employees,
            },
        )
        assert (
            lead.tag_list == ["fair", "2026"]
            and lead.source_label == f"mining request {request.id}"
        )
        for person in lead.people:
            assert person_matches(criteria, {"seniority": person.seniority})


def test_fewer_results_cost_less_and_none_costs_nothing(dataset, give_credits, lg_balance):
    give_credits(500)
    available = (
        Company.select().where((Company.country == "LU") & (Company.employees <= 1000)).count()
    )
    assert 0 < available < 50
    request = new_request(countries="LU", lead_number=50)
    assert mining.run(request.id) == "done"
    assert MiningRequest.get_by_id(request.id).credits_charged == available
    assert lg_balance() == 500 - available
    again = new_request(countries="LU", lead_number=50)
    assert mining.run(again.id) == "error"
    again = MiningRequest.get_by_id(again.id)
    assert again.error == "no_result" and again.credits_charged == 0
    assert lg_balance() == 500 - available


def test_companies_in_the_crm_are_never_returned_nor_charged(dataset, give_credits, lg_balance):
    give_credits(100)
    first_two = list(
        Company.select()
        .where((Company.country == "BE") & (Company.employees <= 1000))
        .order_by(Company.id)
        .limit(2)
    )
    by_domain = Contact.create(name="Known", is_company=True, website=first_two[0].website.upper())
    by_vat = Contact.create(name="Known 2", is_company=True, vat=first_two[1].vat)
    notify_saved("contact", [by_domain.id, by_vat.id])
    request = new_request(countries="BE", lead_number=5)
    mining.run(request.id)
    domains = {lead.domain for lead in Lead.select()}
    assert first_two[0].domain not in domains and len(domains) == 5
    assert not Lead.select().where(Lead.vat == first_two[1].vat).exists()
    # a second request gets the next companies, never the same ones
    second = new_request(countries="BE", lead_number=5)
    mining.run(second.id)
    assert Lead.select().count() == 10 and len({lead.domain for lead in Lead.select()}) == 10
    assert lg_balance() == 90


def test_credits_running_out_keep_what_was_bought(dataset, give_credits, lg_balance):
    give_credits(7)  # two companies with 2 contacts (6), not a third
    request = new_request(
        countries="BE,NL,DE",
        search_type="people",
        contact_number=2,
        contact_filter="role",
        lead_number=5,
    )
    assert mining.run(request.id) == "error"
    request = MiningRequest.get_by_id(request.id)
    assert request.error == "credits" and "Credits ran out after 2 of 5" in request.error_message
    assert request.companies_found == 2 and request.credits_charged == 2 + request.contacts_found
    assert Lead.select().count() == 2
    assert lg_balance() == 7 - request.credits_charged
    # the companies not bought are free for the next request
    assert (
        CrmKey.select().where(CrmKey.lead_id.is_null() & CrmKey.contact_id.is_null()).count() == 0
    )


def test_a_request_that_cannot_pay_for_anything_costs_nothing(dataset, lg_balance):
    request = new_request(countries="BE", lead_number=3)
    assert mining.run(request.id) == "error"
    request = MiningRequest.get_by_id(request.id)
    assert request.error == "credits" and request.credits_charged == 0
    assert Lead.select().count() == 0 and lg_balance() == 0


def test_each_lead_gets_a_company_card(dataset, give_credits):
    give_credits(20)
    request = new_request(countries="GB", lead_number=1, search_type="people", contact_number=1)
    mining.run(request.id)
    lead = Lead.get()
    card = Message.get((Message.model == "lead_generation.lead") & (Message.res_id == lead.id))
    company = Company.get(Company.domain == lead.domain)
    assert card.kind == "company"
    assert f"Employees: {company.employees:,}" in card.body
    assert f"Founded: {company.founded}" in card.body and company.revenue_band in card.body
    assert company.website in card.body and company.linkedin in card.body
    assert "legitimate interest" in card.body


def test_a_retried_job_pays_once(dataset, give_credits, lg_balance):
    give_credits(50)
    request = new_request(countries="FR", lead_number=4)
    mining.run(request.id)
    spent = 50 - lg_balance()
    MiningRequest.update(state="draft").where(MiningRequest.id == request.id).execute()
    mining.run(request.id)
    assert 50 - lg_balance() == spent == 4
    assert Lead.select().count() == 4


def test_requests_whose_job_was_lost_are_run_by_the_sweep(dataset, give_credits, lg_balance):
    import datetime as dt

    from host import utcnow

    give_credits(20)
    old = utcnow() - dt.timedelta(minutes=20)
    lost = new_request(countries="BE", lead_number=2, created_at=old)
    fresh = new_request(countries="NL", lead_number=2)  # its job is still queued
    crashed = new_request(
        countries="FR", lead_number=3, state="running", created_at=utcnow() - dt.timedelta(hours=2)
    )
    assert mining.resume_lost() == 2
    assert MiningRequest.get_by_id(lost.id).state == "done"
    assert MiningRequest.get_by_id(crashed.id).state == "done"
    assert MiningRequest.get_by_id(fresh.id).state == "draft"
    assert lg_balance() == 20 - 5


def test_the_page_view_queue_index_exists_on_a_new_install(lg):
    from addons.lead_generation.models import PageView
    from host import db

    names = {index.name for index in db.get_indexes(PageView._meta.table_name)}
    assert "lead_generation_page_view_state_id" in names


def test_migration_1_adds_the_index_to_an_older_install_and_may_run_twice(lg):
    from addons.lead_generation import plugin
    from addons.lead_generation.models import PageView
    from host import db

    def names():
        return {index.name for index in db.get_indexes(PageView._meta.table_name)}

    db.execute_sql("DROP INDEX lead_generation_page_view_state_id")
    assert "lead_generation_page_view_state_id" not in names()
    (migration,) = [m for m in plugin.register_migrations() if m.version == 1]
    migration.up(None, db.obj)
    migration.up(None, db.obj)
    assert "lead_generation_page_view_state_id" in names()
