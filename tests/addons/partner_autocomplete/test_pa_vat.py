"""VAT numbers checked offline, for every country python-stdnum knows."""

import pytest

from addons.partner_autocomplete import vat


@pytest.mark.parametrize(
    "raw, country, compact",
    [
        ("BE 0477.472.701", "", "BE0477472701"),
        ("0477472701", "BE", "BE0477472701"),
        ("EL094259216", "", "EL094259216"),
        ("GR 094259216", "", "EL094259216"),
        ("094259216", "GR", "EL094259216"),
        ("XI980780684", "", "XI980780684"),
        ("GB980780684", "", "GB980780684"),
        ("CHE-107.787.577 IVA", "", "CHE107787577IVA"),
        ("NO 995 525 828 MVA", "", "NO995525828MVA"),
        ("US 91-1144442", "", "US911144442"),
        ("DE136,695 976", "", "DE136695976"),
        ("NL004495445B01", "", "NL004495445B01"),
        ("ATU13585627", "", "ATU13585627"),
        ("BR16.727.230/0001-97", "", "BR16727230000197"),
        ("BE (0)468.561.072", "", "BE0468561072"),
        ("DK: 21599336", "", "DK21599336"),
        ("EU372022452", "", "EU372022452"),
        ("ALC920108P18", "MX", "MXALC920108P18"),  # AL is Albania, but this is an RFC
        ("МК 4004991103546", "", "MK4004991103546"),
        ("421 – 159 – 723", "EG", "EG421159723"),
    ],
)
def test_valid_numbers_are_accepted_and_compacted(raw, country, compact):
    assert vat.parse(raw, country).compact == compact


def test_every_vies_prefix_has_a_format_with_a_valid_example():
    for prefix in sorted(vat.VIES_PREFIXES) + ["GB", "CHE", "NO", "US"]:
        shape = vat.expected_format(prefix)
        example = shape.split("(")[1].rstrip(")")
        assert vat.is_valid(example), (prefix, shape)


@pytest.mark.parametrize(
    "raw, country, words",
    [
        ("BE0477472702", "", ["Wrong check digits for Belgium", "BE + 10 digits"]),
        ("BE04774727AB", "", ["digits only", "BE + 10 digits"]),
        ("BE047747", "", ["Wrong length for Belgium", "BE + 10 digits"]),
        ("FR40303265045", "BE", ["prefix FR is France", "in Belgium", "BE + 10 digits"]),
        ("EL094259217", "", ["Wrong check digits for Greece", "EL + 9 digits"]),
        ("ZZ12345678", "", ["ZZ is not a country prefix"]),
        ("12345678", "", ["Give the country prefix"]),
        ("BE<script>", "", ["only letters and digits"]),
        ("' OR 1=1 --", "BE", ["only letters and digits"]),
        ("9" * 10_000, "BE", ["at most 40 characters"]),
    ],
)
def test_refusals_name_the_problem_and_the_expected_format(raw, country, words):
    with pytest.raises(vat.VatError) as caught:
        vat.parse(raw, country)
    for word in words:
        assert word in str(caught.value)


def test_only_eu_numbers_go_to_vies():
    assert vat.parse("EL094259216").in_vies
    assert vat.parse("XI980780684").in_vies
    assert not vat.parse("GB980780684").in_vies
    assert not vat.parse("NO995525828MVA").in_vies
