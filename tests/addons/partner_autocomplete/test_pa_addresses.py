"""Countries and states resolve to ISO codes; addresses follow the country's order."""

from types import SimpleNamespace

from addons.partner_autocomplete import addresses


def _company(**fields):
    base = {"street": "", "street2": "", "zip": "", "city": "", "region": "", "country": ""}
    return SimpleNamespace(**{**base, **fields})


def test_countries_and_states_resolve_to_iso_codes():
    assert addresses.country_code("Belgium") == "BE"
    assert addresses.country_code("DEU") == "DE"
    assert addresses.country_code("EL") == "GR"
    assert addresses.country_code("Atlantis") == ""
    assert addresses.region_code("CA", "US") == "US-CA"
    assert addresses.region_code("California", "US") == "US-CA"
    assert addresses.region_name("US-CA") == "California"


def test_addresses_are_laid_out_in_each_country_s_order():
    us = _company(
        street="1 Main Street", zip="94103", city="San Francisco", region="US-CA", country="US"
    )
    assert addresses.lines(us) == ["1 Main Street", "SAN FRANCISCO, CA 94103", "UNITED STATES"]
    gb = _company(street="1 High Street", zip="EC1A 1BB", city="London", country="GB")
    assert addresses.lines(gb) == ["1 High Street", "LONDON", "EC1A 1BB", "UNITED KINGDOM"]
    be = _company(street="Rue de la Loi 16", zip="1000", city="Bruxelles", country="BE")
    assert addresses.lines(be) == ["Rue de la Loi 16", "1000 BRUXELLES", "BELGIUM"]
