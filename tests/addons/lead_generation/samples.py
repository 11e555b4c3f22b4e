"""The Lead Generation app's records for the inherited security tests
(tests/test_forms_fuzz.py): the sample dataset, a lead (its form, Convert)
and a Generate Leads request, with a website visit rule."""

from __future__ import annotations


def make(client, user) -> list[str]:
    from addons.lead_generation import dataset, sample
    from addons.lead_generation.models import Lead
    from tests.addons.lead_generation.conftest import new_request

    dataset.load_lines(sample.csv_lines(200), filename="sample", sample=True)
    request = new_request(user=user.id)
    lead = Lead.create(
        company_name="Fuzzed Lead", source="mining", request=request.id, salesperson=user.id
    )
    return [
        f"/lead_generation/leads/{lead.id}",
        f"/lead_generation/requests/{request.id}",
        "/lead_generation/requests/new",
        "/lead_generation/rules/new",
    ]
