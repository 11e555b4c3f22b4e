"""Credit amounts: exact decimals, validated once, here."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

PLACES = 6
QUANTUM = Decimal(1).scaleb(-PLACES)
# A billion credits in one movement is a typo, not a purchase.
MAX_CREDIT = Decimal(10) ** 9


def to_credit(value, *, allow_zero: bool = False, name: str = "credit") -> Decimal:
    """Turn an int, ``Decimal`` or decimal string into a credit amount.

    Floats are refused: ``0.1 + 0.2`` is not ``0.3``, and a ledger must add up.
    """
    if isinstance(value, (bool, float)):
        raise TypeError(
            f"{name} must be an int, a Decimal or a decimal string, not {type(value).__name__}"
            " (floats cannot hold exact amounts)"
        )
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{name} {value!r} is not a decimal number") from None
    else:
        raise TypeError(f"{name} must be an int, a Decimal or a decimal string")
    if not amount.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value}")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'zero or ' if allow_zero else ''}positive, not {value}")
    if amount > MAX_CREDIT:
        raise ValueError(f"{name} {value} is larger than the maximum of {MAX_CREDIT}")
    if amount != amount.quantize(QUANTUM):
        raise ValueError(f"{name} {value} has more than {PLACES} decimal places")
    return amount.quantize(QUANTUM)
