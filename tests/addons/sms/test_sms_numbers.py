import phonenumbers
import pytest

from addons.sms.numbers import InvalidNumber, country_of, format_international, normalize

VALID_MOBILES = [
    # (as typed internationally, E.164, display, region)
    ("+32 470 12 34 56", "+32470123456", "+32 470 12 34 56", "BE"),
    ("+31 6 12345678", "+31612345678", "+31 6 12345678", "NL"),
    ("+33 6 12 34 56 78", "+33612345678", "+33 6 12 34 56 78", "FR"),
    ("+49 1512 3456789", "+4915123456789", "+49 1512 3456789", "DE"),
    ("+1 201 555 0123", "+12015550123", "+1 201-555-0123", "US"),
]


@pytest.mark.parametrize(("raw", "e164", "display", "region"), VALID_MOBILES)
def test_sample_numbers_are_really_valid(raw, e164, display, region):
    parsed = phonenumbers.parse(raw, None)
    assert phonenumbers.is_valid_number(parsed)
    assert phonenumbers.region_code_for_number(parsed) == region


@pytest.mark.parametrize(("raw", "e164", "display", "region"), VALID_MOBILES)
def test_international_numbers(raw, e164, display, region):
    assert normalize(raw) == e164
    assert normalize(raw, regions=("JP",)) == e164  # default region is irrelevant
    assert format_international(e164) == display
    assert country_of(e164) == region


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("0470 12 34 56", "BE", "+32470123456"),
        ("0470/12.34.56", "BE", "+32470123456"),
        ("06 12345678", "NL", "+31612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("01512 3456789", "DE", "+4915123456789"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("0032 470 12 34 56", "BE", "+32470123456"),
        ("0032 470 12 34 56", "FR", "+32470123456"),  # international prefix from France
    ],
)
def test_national_numbers_use_the_region(raw, region, e164):
    assert normalize(raw, regions=(region,)) == e164


@pytest.mark.parametrize("raw", ["+32 (0)470 12 34 56", "+32 0470 12 34 56"])
def test_national_prefix_after_country_code_is_dropped(raw):
    assert normalize(raw) == "+32470123456"


def test_regions_are_tried_in_order():
    # 0470 12 34 56 is a Belgian mobile and also a valid French landline.
    assert normalize("0470 12 34 56", regions=("BE", "FR")) == "+32470123456"
    assert normalize("0470 12 34 56", regions=("FR", "BE")) == "+33470123456"


def test_falls_back_to_the_next_region_when_invalid_in_the_first():
    # 06 12 34 56 78 is not a valid Belgian number, but it is a French mobile.
    assert normalize("06 12 34 56 78", regions=("BE", "FR")) == "+33612345678"


def test_regions_are_cleaned():
    assert normalize("0470123456", regions=(None, "", "xx", " be ")) == "+32470123456"


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_missing(raw):
    with pytest.raises(InvalidNumber) as excinfo:
        normalize(raw, regions=("BE",))
    assert excinfo.value.reason == "missing"
    assert str(excinfo.value) == "No phone number was given."
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("raw", ["1-800-FLOWERS", "+32 470 ABC 456", "0470 12 34 56 ext 2", "x"])
def test_letters_are_refused(raw):
    with pytest.raises(InvalidNumber, match="contains letters") as excinfo:
        normalize(raw, regions=("US", "BE"))
    assert excinfo.value.reason == "wrong_format"


def test_unicode_spaces_and_digits_are_accepted():
    assert normalize("+32\u00a0470\u202f12\t34 56") == "+32470123456"
    assert normalize("+\u0663\u0662 470 12 34 56") == "+32470123456"  # Arabic-Indic digits


@pytest.mark.parametrize(
    "raw", ["+32 470 12 34 56#", "*100#", "+32;470123456", "+32 470 12 34 5\u00b2"]
)
def test_stray_characters_are_refused(raw):
    with pytest.raises(InvalidNumber, match="unexpected character") as excinfo:
        normalize(raw, regions=("BE",))
    assert excinfo.value.reason == "wrong_format"


@pytest.mark.parametrize("raw", ["+", "()", "- -"])
def test_no_digits(raw):
    with pytest.raises(InvalidNumber, match="no digits") as excinfo:
        normalize(raw, regions=("BE",))
    assert excinfo.value.reason == "wrong_format"


@pytest.mark.parametrize(
    ("raw", "regions"),
    [
        ("+32 470", ()),
        ("047", ("BE",)),
        ("+32 470 12 34 56 78 90 12", ()),
        ("+999 123456789", ()),  # unassigned country code
        ("+1 555 555 5555", ()),  # possible length but invalid number
    ],
)
def test_wrong_format(raw, regions):
    with pytest.raises(InvalidNumber) as excinfo:
        normalize(raw, regions=regions)
    assert excinfo.value.reason == "wrong_format"
    assert raw in str(excinfo.value)


def test_too_short_says_so():
    with pytest.raises(InvalidNumber, match="wrong length"):
        normalize("047", regions=("BE",))


def test_national_number_without_any_region():
    with pytest.raises(InvalidNumber, match="no country code") as excinfo:
        normalize("0470 12 34 56")
    assert excinfo.value.reason == "wrong_format"


def test_error_names_the_regions_tried():
    with pytest.raises(InvalidNumber, match="for BE, NL"):
        normalize("0999 99 99", regions=("BE", "NL"))


def test_country_of_non_geographic_number():
    e164 = normalize("+800 1234 5678")
    with pytest.raises(InvalidNumber, match="does not belong to a country"):
        country_of(e164)


@pytest.mark.parametrize("value", ["not a number", "", "0470123456"])
def test_format_and_country_reject_non_e164(value):
    with pytest.raises(InvalidNumber):
        format_international(value)
    with pytest.raises(InvalidNumber):
        country_of(value)
