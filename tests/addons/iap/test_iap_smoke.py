from decimal import Decimal

import pytest

from addons.iap import InsufficientCreditError, balance, charge, grant, ledger


def test_smoke(widget):
    grant("widget", 10, reason="gift")
    assert balance("widget") == Decimal(10)
    with charge("widget", 3, description="x") as tx:
        tx.credit = 2
    assert balance("widget") == Decimal(8)
    with pytest.raises(InsufficientCreditError) as e, charge("widget", 9):
        pass
    assert e.value.available == 8
    with pytest.raises(RuntimeError), charge("widget", 1):
        raise RuntimeError("boom")
    assert balance("widget") == 8
    assert ledger.verify() == []
