import csv
from decimal import Decimal

import phonenumbers
import pytest

from addons.sms.pricing_table import (
    DEFAULT_PRICES_PATH,
    CountryNotSupported,
    load_default_prices,
    load_prices,
    parse_prices,
    price,
)

HEADER = "country,name,credits_per_part\n"


def test_default_table_has_the_reference_prices():
    table = load_default_prices()
    expected = {
        "BE": "1.000",
        "NL": "1.100",
        "FR": "0.900",
        "DE": "1.200",
        "US": "0.400",
        "GB": "0.800",
        "ES": "0.900",
        "IT": "1.000",
        "LU": "1.000",
        "CH": "1.100",
        "CA": "0.400",
    }
    for country, value in expected.items():
        assert table[country] == Decimal(value)
        assert str(table[country]) == value  # scale kept, not re-rounded
    assert len(table) >= 40


def test_default_table_values_are_decimals_and_countries_real():
    table = load_default_prices()
    for country, value in table.items():
        assert type(value) is Decimal
        assert value > 0
        assert value.as_tuple().exponent == -3
        assert country in phonenumbers.SUPPORTED_REGIONS


def test_default_csv_is_well_formed():
    with DEFAULT_PRICES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["country"] for r in rows] == sorted(r["country"] for r in rows)
    assert all(r["name"].strip() for r in rows)


def test_price_multiplies_exactly():
    table = {"BE": Decimal("1.000"), "IN": Decimal("0.100")}
    assert price(1, "BE", table) == Decimal("1.000")
    assert price(3, "IN", table) == Decimal("0.300")  # 0.1 * 3 != 0.3 in float
    assert str(price(3, "IN", table)) == "0.300"
    assert price(0, "BE", table) == Decimal("0")
    assert price(2, "be", table) == Decimal("2.000")


def test_price_with_default_table():
    assert price(2, "BE", load_default_prices()) == Decimal("2.000")


@pytest.mark.parametrize("country", ["XX", "", "KP"])
def test_unknown_country(country):
    with pytest.raises(CountryNotSupported) as excinfo:
        price(1, country, {"BE": Decimal("1.000")})
    assert isinstance(excinfo.value, ValueError)
    assert repr(country) in str(excinfo.value)
    assert "not supported" in str(excinfo.value)
    assert excinfo.value.country == country


@pytest.mark.parametrize("parts", [-1, 1.0, True, "2", None])
def test_bad_part_counts(parts):
    with pytest.raises(ValueError, match="non-negative integer"):
        price(parts, "BE", {"BE": Decimal("1.000")})


def test_parse_prices_keeps_decimal_text():
    table = parse_prices(HEADER + "BE,Belgium,0.080\nFR,France,1\n")
    assert table == {"BE": Decimal("0.080"), "FR": Decimal("1")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("country,price\nBE,1\n", "expected header"),
        (HEADER + "BEL,Belgium,1.0\n", "line 2: 'BEL' is not an ISO"),
        (HEADER + "be,Belgium,1.0\n", "not an ISO"),
        (HEADER + "BE,Belgium,1.0\nBE,Belgium,2.0\n", "line 3: country BE is listed twice"),
        (HEADER + "BE,Belgium,one\n", "'one' is not a decimal"),
        (HEADER + "BE,Belgium,-1\n", "not a valid price"),
        (HEADER + "BE,Belgium,NaN\n", "not a valid price"),
        (HEADER + "BE,Belgium,\n", "is not a decimal"),
    ],
)
def test_parse_prices_rejects_bad_rows(text, message):
    with pytest.raises(ValueError, match=message):
        parse_prices(text)


def test_load_prices_from_a_file(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(HEADER + "LU,Luxembourg,0.750\n", encoding="utf-8")
    assert load_prices(path) == {"LU": Decimal("0.750")}
    path.write_text(HEADER + "LU,Luxembourg,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mine.csv, line 2"):
        load_prices(path)
