"""Loading the register from GLEIF LEI-CDF CSV files."""

import csv
import io

import pytest
from click.testing import CliRunner

from addons.partner_autocomplete import register
from addons.partner_autocomplete.models import Company, RegisterLoad
from host import db, is_postgres
from scripts.partner_autocomplete_sample import COLUMNS, companies

TABLE = "partner_autocomplete_company"


def _csv(rows, columns=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_the_sample_loads_with_valid_vat_numbers_across_countries(seeded):
    assert seeded.loaded == register.size() >= 300
    countries = {c.country for c in Company.select(Company.country)}
    assert {"BE", "DE", "GR", "FR", "GB", "CH", "NO", "US"} <= countries
    assert Company.select().where(Company.vat.startswith("XI")).exists()
    assert all("Sample data" in c.description for c in Company.select())
    assert RegisterLoad.get().loaded == seeded.loaded


def test_the_sample_file_is_what_the_script_generates(tmp_path):
    out = tmp_path / "again.csv"
    from scripts.partner_autocomplete_sample import write

    write(out, 320, 1)
    assert out.read_bytes() == register.SAMPLE.read_bytes()


def test_a_reload_updates_rather_than_duplicates(pa, tmp_path):
    rows = list(companies(20, seed=3))
    register.load(io.BytesIO(_csv(rows)))
    rows[0]["Entity.LegalName"] = "Renamed Holding NV"
    report = register.load(io.BytesIO(_csv(rows)))
    assert report.loaded == 20 and register.size() == 20
    renamed = Company.get(Company.lei == rows[0]["LEI"])
    assert renamed.name == "Renamed Holding NV" and renamed.name_key == "renamed holding"


def test_names_with_backslashes_quotes_and_tabs_load_as_written(pa):
    """PostgreSQL copies rows in COPY's CSV format: quotes, backslashes, an
    empty value and a missing one must come back as they were."""
    rows = list(companies(2, seed=8))
    rows[0]["Entity.LegalName"] = 'Back\\slash "Quoted" \\N O\'Brien\tTabs NV'
    rows[1]["Extra.Description"] = "C:\\new\\table\\"
    rows[1]["Entity.EntityCreationDate"] = ""
    rows[1]["Extra.Phone"] = ""
    register.load(io.BytesIO(_csv(rows)))
    assert Company.get(Company.lei == rows[0]["LEI"]).name == (
        'Back\\slash "Quoted" \\N O\'Brien Tabs NV'
    )
    second = Company.get(Company.lei == rows[1]["LEI"])
    assert second.description == "C:\\new\\table\\"
    assert second.founded is None and second.phone == ""  # NULL stays NULL, "" stays ""


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_kept(pa):
    rows = list(companies(6, seed=4))
    rows[1]["LEI"] = rows[0]["LEI"]  # duplicate
    rows[2]["LEI"] = "NOTALEI"
    rows[3]["Entity.LegalName"] = ""
    rows[4]["Extra.VAT"] = "BE0000000000"  # kept, without the VAT
    data = _csv(rows)
    lines = data.split(b"\r\n")
    lines[6] = lines[6].replace(b"Sample", b"Sam\xffple")  # line 7: bad encoding
    lines.insert(7, b'"only","two"')  # line 8: missing columns
    report = register.load(io.BytesIO(b"\r\n".join(lines)))
    problems = dict(report.problems)
    assert "appears again" in problems[3]
    assert "not a valid LEI" in problems[4]
    assert "no legal name" in problems[5]
    assert "VAT number refused" in problems[6]
    assert "not valid UTF-8" in problems[7]
    assert "missing columns" in problems[8]
    assert report.refused == 5 and report.loaded == 2
    assert register.size() == 2
    assert Company.get(Company.lei == rows[4]["LEI"]).vat == ""


def test_a_file_without_the_lei_cdf_columns_is_refused_whole(pa):
    with pytest.raises(register.RegisterFileError, match="Entity.LegalName"):
        register.load(io.BytesIO(b"LEI,Name\n5493001KJTIIGC8Y1R12,Acme\n"))
    assert register.size() == 0


def test_the_command_line_loads_with_a_progress_bar_and_reports(pa, app, tmp_path):
    from host.cli import cli

    app.extensions["host"].hooks.register_commands(cli=cli)
    rows = list(companies(5, seed=5))
    rows[2]["LEI"] = "BAD"
    path = tmp_path / "extract.csv"
    path.write_bytes(_csv(rows))
    result = CliRunner().invoke(
        cli, ["partner-autocomplete", "load", str(path)], obj={"app": app}, catch_exceptions=False
    )
    assert "4 companies loaded, 1 rows refused." in result.output
    assert "line 4: LEI 'BAD' is not a valid LEI" in result.output
    assert register.last_load().filename == "extract.csv"


def test_a_big_file_is_prepared_in_worker_processes_with_the_same_result(pa, tmp_path):
    rows = list(companies(40, seed=6))
    rows[3]["Extra.VAT"] = "DE000000000"
    rows[5]["LEI"] = rows[4]["LEI"]
    path = tmp_path / "big.csv"
    path.write_bytes(_csv(rows))
    report = register.load(path, parallel=True)
    assert report.loaded == 39 and report.refused == 1
    assert sorted(line for line, _ in report.problems) == [5, 7]
    assert Company.get(Company.lei == rows[3]["LEI"]).vat == ""
    assert Company.get(Company.lei == rows[39]["LEI"]).name == rows[39]["Entity.LegalName"]
    # The name index, set aside during a big load on PostgreSQL, is back and used.
    from addons.partner_autocomplete import search

    assert rows[39]["LEI"] in {h.company.lei for h in search.by_name(rows[39]["Entity.LegalName"])}
    if is_postgres():
        indexes = db.execute_sql("SELECT indexname FROM pg_indexes WHERE tablename = %s", (TABLE,))
        assert f"{TABLE}_name_words" in {row[0] for row in indexes}


def test_a_logo_column_gives_the_dropdown_an_image_https_only(pa, user_client):
    rows = list(companies(3, seed=5))
    rows[0]["Extra.Logo"] = "https://logos.example/acme.png"
    rows[1]["Extra.Logo"] = "javascript:alert(1)"
    rows[2]["Extra.Logo"] = "http://logos.example/plain.png"
    register.load(io.BytesIO(_csv(rows, columns=[*COLUMNS, "Extra.Logo"])))
    logos = {c.lei: c.logo for c in Company.select()}
    assert logos == {
        rows[0]["LEI"]: "https://logos.example/acme.png",
        rows[1]["LEI"]: "",
        rows[2]["LEI"]: "",
    }
    name = Company.get(Company.lei == rows[0]["LEI"]).name
    answer = user_client.get("/partner_autocomplete/suggest", query_string={"q": name})
    first = answer.get_json()["suggestions"][0]
    assert first["label"] == name and first["image"] == "https://logos.example/acme.png"
    other = Company.get(Company.lei == rows[1]["LEI"]).name
    answer = user_client.get("/partner_autocomplete/suggest", query_string={"q": other})
    first = answer.get_json()["suggestions"][0]
    assert "image" not in first and first["initials"]


def test_partner_autocomplete_migration_2_from_version_1(app, seeded):
    from host import db
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    db.execute_sql("ALTER TABLE partner_autocomplete_company DROP COLUMN logo")
    AddonSchema.update(version=1).where(AddonSchema.addon == "partner_autocomplete").execute()
    restarted = rebuild(app, HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"])
    try:
        with restarted.app_context():
            schema = AddonSchema.get(AddonSchema.addon == "partner_autocomplete")
            assert schema.version == 4
            assert Company.select().where(Company.logo == "").count() == seeded.loaded
    finally:
        close_app(restarted)


def test_partner_autocomplete_migration_3_searches_names_by_their_words(app, seeded):
    """From version 2 (PostgreSQL: one trigram index of whole names, no
    vocabulary), the migration builds the word index from the companies
    already loaded and drops the old index."""
    from addons.partner_autocomplete import name_index, search
    from host import db, is_postgres
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    table = "partner_autocomplete_company"
    if is_postgres():
        db.execute_sql(f"DROP TABLE {name_index.WORDS}")
        db.execute_sql(f"DROP INDEX {table}_name_words")
        db.execute_sql(
            f"CREATE INDEX {table}_name_trgm ON {table} "
            f'USING gin (name_key "{name_index._trgm_schema()}".gin_trgm_ops)'
        )
    AddonSchema.update(version=2).where(AddonSchema.addon == "partner_autocomplete").execute()
    restarted = rebuild(app, HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"])
    try:
        with restarted.app_context():
            assert AddonSchema.get(AddonSchema.addon == "partner_autocomplete").version == 4
            if is_postgres():
                indexes = {
                    row[0]
                    for row in db.execute_sql(
                        "SELECT indexname FROM pg_indexes WHERE tablename = %s", (table,)
                    )
                }
                assert f"{table}_name_words" in indexes
                assert f"{table}_name_trgm" not in indexes
                words = db.execute_sql(f"SELECT count(*) FROM {name_index.WORDS}").fetchone()[0]
                assert words > 100
            found = search.by_name("Textils Blue Grubr")
            assert found[0].company.name == "Blue Gruber Textiles AG"
    finally:
        close_app(restarted)
