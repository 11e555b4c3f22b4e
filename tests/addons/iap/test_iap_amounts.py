from decimal import Decimal

import pytest

from addons.iap.amounts import MAX_CREDIT, to_credit


@pytest.mark.parametrize(
    "value, expected",
    [
        (3, Decimal("3")),
        ("2.5", Decimal("2.5")),
        (Decimal("0.001"), Decimal("0.001")),
        (" 7.125 ", Decimal("7.125")),
        ("0.000001", Decimal("0.000001")),
    ],
)
def test_exact_amounts_are_accepted(value, expected):
    assert to_credit(value) == expected


@pytest.mark.parametrize(
    "value, error, message",
    [
        (0.1, TypeError, "floats cannot hold exact amounts"),
        (True, TypeError, "not bool"),
        (0, ValueError, "must be positive"),
        (-1, ValueError, "must be positive"),
        ("NaN", ValueError, "finite"),
        ("Infinity", ValueError, "finite"),
        ("abc", ValueError, "not a decimal number"),
        (MAX_CREDIT + 1, ValueError, "larger than the maximum"),
        ("0.0000001", ValueError, "more than 6 decimal places"),
        (None, TypeError, "must be an int"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(value, error, message):
    with pytest.raises(error, match=message):
        to_credit(value)


def test_zero_is_allowed_only_when_asked():
    assert to_credit(0, allow_zero=True) == 0
