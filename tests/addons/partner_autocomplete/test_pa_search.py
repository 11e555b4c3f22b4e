"""Searching the register: names with typos, VAT numbers, domains."""

import pytest

from addons.partner_autocomplete import search
from tests.addons.partner_autocomplete.conftest import sample_company


def _names(hits):
    return [h.company.name for h in hits]


@pytest.fixture
def gruber(seeded):
    return sample_company(name="Blue Gruber Textiles AG")


@pytest.mark.parametrize(
    "typed",
    [
        "Blue Gruber Textiles AG",
        "blue gruber textiles",  # legal form dropped
        "Blue Gruber Textiles GmbH",  # another legal form
        "Blue Grubr Textils",  # typos
        "Textiles Blue Gruber",  # word order
        "BLÜE GRÜBER textiles",  # accents added
        "blue grub",  # still typing
    ],
)
def test_names_are_found_despite_typos_forms_accents_and_order(gruber, typed):
    assert _names(search.by_name(typed))[:1] == [gruber.name]


def test_accents_stripped_from_the_query_still_match(seeded):
    accented = sample_company(name="Nord Lefèvre Furniture SAS")
    assert accented is not None
    assert _names(search.by_name("nord lefevre furniture"))[0] == accented.name


def test_vat_numbers_match_with_spaces_dots_and_without_prefix(gruber):
    number = gruber.vat  # ATU00806360
    for typed in (number, f"{number[:2]} {number[2:5]}.{number[5:]}", number[2:], number[:7]):
        assert gruber.id in [h.company.id for h in search.by_vat(typed)], typed


def test_domains_and_emails_reduce_to_the_registrable_domain(gruber):
    for typed in (
        "https://www.blue-gruber-textiles.at/about",
        "sales@blue-gruber-textiles.at",
        "shop.blue-gruber-textiles.at",
        "blue-gruber-tex",  # still typing
    ):
        assert [h.company.id for h in search.by_domain(typed)][:1] == [gruber.id], typed


def test_free_mail_domains_are_refused(seeded):
    for typed in ("jane@gmail.com", "someone@hotmail.fr", "outlook.com"):
        with pytest.raises(search.SearchRefused, match="free mail"):
            search.by_domain(typed)


@pytest.mark.parametrize("typed", ["ab", "  a ", ""])
def test_fewer_than_three_characters_are_refused(seeded, typed):
    with pytest.raises(search.SearchRefused, match="at least 3"):
        search.search(typed)


def test_ten_thousand_characters_are_refused_not_searched(seeded):
    with pytest.raises(search.SearchRefused, match="at most"):
        search.search("x" * 10_000)


@pytest.mark.parametrize(
    "typed",
    ["'; DROP TABLE partner_autocomplete_company; --", '<img src=x onerror="alert(1)">', '" OR "'],
)
def test_sql_and_html_metacharacters_are_plain_text(seeded, typed, admin_client):
    response = admin_client.get(
        "/partner_autocomplete/suggest", query_string={"q": typed, "field": "name"}
    )
    assert response.status_code == 200
    assert response.is_json
    from addons.partner_autocomplete import register

    assert register.size() == seeded.loaded


def test_the_suggest_endpoint_answers_rows_for_the_dropdown(seeded, admin_client, gruber):
    answer = admin_client.get(
        "/partner_autocomplete/suggest", query_string={"q": "gruber text", "field": "name"}
    ).get_json()
    first = answer["suggestions"][0]
    assert first["label"] == gruber.name
    assert first["detail"] == f"Wien, Austria · {gruber.vat}"
    assert first["choose"] == f"/partner_autocomplete/choose/{gruber.id}"
    assert first["values"] == {}  # nothing paid for is given away while typing
    short = admin_client.get("/partner_autocomplete/suggest", query_string={"q": "gr"}).get_json()
    assert short == {"suggestions": [], "message": "Type at least 3 characters to search."}


def test_typing_a_bad_vat_number_says_why_at_once(seeded, admin_client):
    answer = admin_client.get(
        "/partner_autocomplete/suggest",
        query_string={"q": "BE0477472702", "field": "vat", "country": "BE"},
    ).get_json()
    assert answer["message"] == (
        "Wrong check digits for Belgium: expected BE + 10 digits (BE0403019261)."
    )


def test_searching_costs_nothing(seeded, admin_client, pa_balance, give_credits):
    give_credits(5)
    for q in ("gruber", "ATU00806360", "blue-gruber-textiles.at"):
        admin_client.get("/partner_autocomplete/suggest", query_string={"q": q})
    assert pa_balance() == 5


def test_the_contacts_country_ranks_its_companies_first(seeded):
    plain = search.search("blue textiles", "name")
    assert {h.company.country for h in plain} >= {"AT", "CH"}
    for country in ("AT", "CH"):
        ranked = search.search("blue textiles", "name", country)
        assert ranked[0].company.country == country
        assert plain[0].company.id in {h.company.id for h in ranked}  # ranked, not filtered out
    # A close match elsewhere stays ahead of a poor one in the country.
    exact = search.search("Blue Gruber Textiles", "name", "CH")
    assert exact[0].company.name == "Blue Gruber Textiles AG"


def test_suggestions_send_initials_and_rank_by_the_country_sent(seeded, user_client):
    answer = user_client.get("/partner_autocomplete/suggest?q=blue+textiles&field=name&country=ch")
    rows = answer.get_json()["suggestions"]
    assert rows[0]["detail"].split(" · ")[0].endswith("Switzerland")
    assert rows[0]["initials"] == "BB"  # Blue Baumann Textiles GmbH: the legal form left out
    answer = user_client.get("/partner_autocomplete/suggest?q=blue+textiles&field=name&country=AT")
    assert answer.get_json()["suggestions"][0]["detail"].split(" · ")[0].endswith("Austria")
