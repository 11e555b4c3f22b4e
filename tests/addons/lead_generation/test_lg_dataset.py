"""Loading a lead dataset: streamed CSV, reloads update, bad rows reported
with their line numbers; the sample is the same for the same seed."""

import io

from click.testing import CliRunner

from addons.lead_generation import dataset, sample
from addons.lead_generation.models import Company, DatasetLoad, IpRange, Person
from addons.lead_generation.taxonomy import ROLES, SENIORITIES, SIC_GROUPS

HEADER = ",".join(dataset.COLUMNS)


def _csv(*rows: str) -> list[str]:
    return io.StringIO("\n".join([HEADER, *rows]) + "\n").readlines()


def _row(**values) -> str:
    return ",".join(str(values.get(c, "")) for c in dataset.COLUMNS)


def test_bad_rows_are_reported_with_their_line_numbers(lg):
    lines = _csv(
        _row(
            kind="company",
            id="C1",
            name="Acme",
            country="BE",
            sic="73",
            employees="12",
            domain="acme.example",
        ),
        _row(kind="company", id="C2", name="Nowhere", country="XX"),
        _row(kind="person", id="P1", company="C1", name="Ann", role="ceo", seniority="executive"),
        _row(kind="person", id="P2", company="C9", name="Bob"),
        _row(kind="company", id="C3", name="Big", country="NL", employees="many"),
        _row(kind="person", id="P3", company="C1", name="Cat", role="astronaut"),
        _row(kind="ip_range", company="C1", cidr="81.240.0.0/28"),
        _row(kind="ip_range", company="C1", cidr="not-an-ip"),
        _row(kind="planet", id="X"),
        _row(kind="company", id="C4", name="Sic", country="BE", sic="42x"),
    )
    report = dataset.load_lines(lines, filename="test.csv")
    assert report.problems == [
        (3, "unknown country 'XX'"),
        (5, "unknown company 'C9'"),
        (6, "employees 'many' is not a whole number"),
        (7, "unknown role 'astronaut'"),
        (9, "'not-an-ip' is not an IP range (CIDR)"),
        (10, "unknown kind 'planet' (company, person or ip_range)"),
        (11, "unknown SIC major group '42x'"),
    ]
    assert (report.companies, report.people, report.ranges, report.refused) == (1, 1, 1, 7)
    assert Company.get().name == "Acme" and Person.get().role == "ceo"
    assert IpRange.get().last - IpRange.get().first == 15
    assert DatasetLoad.get().refused == 7


def test_a_reload_updates_rows_by_id(lg):
    dataset.load_lines(_csv(_row(kind="company", id="C1", name="Acme", country="BE")))
    dataset.load_lines(
        _csv(_row(kind="company", id="C1", name="Acme Renamed", country="BE", employees="40"))
    )
    company = Company.get()
    assert Company.select().count() == 1 and (company.name, company.employees) == (
        "Acme Renamed",
        40,
    )


def test_a_file_that_is_not_a_dataset_is_refused_whole(lg, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("name,email\nAnn,ann@example.com\n")
    runner = CliRunner()
    from addons.lead_generation.cli import lead_generation

    result = runner.invoke(lead_generation, ["load", str(path)])
    assert result.exit_code == 1 and "missing columns kind, id, company, country" in result.output
    assert Company.select().count() == 0


def test_the_command_loads_a_file_with_progress_and_problems(lg, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "".join(
            _csv(
                _row(kind="company", id="C1", name="Acme", country="BE"),
                _row(kind="person", id="P1", company="C404", name="Ann"),
            )
        )
    )
    from addons.lead_generation.cli import lead_generation

    result = CliRunner().invoke(lead_generation, ["load", str(path)])
    assert result.exit_code == 0, result.output
    assert "line 3: unknown company 'C404'" in result.output
    assert "1 companies, 0 people and 0 IP ranges loaded, 1 rows refused." in result.output


def test_the_sample_is_deterministic_and_covers_every_filter():
    first = list(sample.rows(2000))
    assert first == list(sample.rows(2000))
    assert first != list(sample.rows(2000, seed=7))
    companies = [r for r in first if r["kind"] == "company"]
    people = [r for r in first if r["kind"] == "person"]
    assert len(companies) == 2000 and len(people) == 6000
    assert {r["country"] for r in companies} >= {"BE", "DE", "FR", "GB", "US", "NL", "MT"}
    assert all(r["state"] for r in companies if r["country"] == "US")
    assert not any(r["state"] for r in companies if r["country"] != "US")
    assert {r["sic"] for r in companies} <= set(SIC_GROUPS) and len(
        {r["sic"] for r in companies}
    ) > 60
    assert {r["role"] for r in people} == set(ROLES)
    assert {r["seniority"] for r in people} == set(SENIORITIES)
    assert all(r["domain"].endswith(".example") for r in companies)


def test_the_sample_ranges_are_in_the_company_s_country():
    from addons.lead_generation import geo

    companies = {}
    checked = 0
    for row in sample.rows(3000):
        if row["kind"] == "company":
            companies[row["id"]] = row["country"]
        elif row["kind"] == "ip_range":
            first = row["cidr"].split("/")[0]
            assert geo.country_of(first) == companies[row["company"]], row
            checked += 1
    assert checked > 100


def test_the_sample_command_loads_companies_labelled_as_sample(lg):
    from addons.lead_generation.cli import lead_generation

    result = CliRunner().invoke(lead_generation, ["load", "--sample", "--companies", "500"])
    assert result.exit_code == 0, result.output
    assert "500 companies, 1500 people" in result.output
    assert DatasetLoad.get().sample is True
    assert sample.COMPANIES == 20_000 and sum(sample.PEOPLE_PATTERN) / 5 == 3


def test_domains_and_vat_numbers_are_stored_as_the_crm_compares_them(lg):
    dataset.load_lines(
        _csv(
            _row(
                kind="company",
                id="C1",
                name="Acme",
                country="BE",
                domain="WWW.Acme.example",
                vat="BE 0123.456.789",
            ),
            _row(
                kind="company",
                id="C2",
                name="Bolt",
                country="NL",
                website="https://www.bolt.example/about",
            ),
        )
    )
    acme, bolt = Company.select().order_by(Company.uid)
    assert (acme.domain, acme.vat) == ("acme.example", "BE0123456789")
    assert bolt.domain == "bolt.example"
