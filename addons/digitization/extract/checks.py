"""Cross-field validation. A failed check lowers confidence; it never invents a value.

Caps are applied to whichever path produced the fields (text layer, OCR or XML), so an
embedded e-invoice with a bad IBAN is flagged just like a scan.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from stdnum import iban as std_iban
from stdnum import iso11649
from stdnum.be import ogm_vcs

from .values import vat_is_valid

CENT = Decimal("0.01")
FAILED_CHECK_CAP = 0.3  # a value that fails a checksum or a sum is shown, but flagged


def _dec(field: dict) -> Decimal | None:
    try:
        return Decimal(field["value"]) if field.get("value") is not None else None
    except (InvalidOperation, TypeError):
        return None


def _cap(field: dict, cap: float) -> None:
    if field.get("value") is not None:
        field["confidence"] = min(field["confidence"], cap)


def _floor(field: dict, floor: float) -> None:
    if field.get("value") is not None:
        field["confidence"] = max(field["confidence"], floor)


def complete_totals(values: dict[str, Decimal | None]) -> dict[str, Decimal | None]:
    """Fill one missing amount of untaxed + tax = total from the two others."""
    untaxed, tax, total = values["untaxed_amount"], values["tax_amount"], values["total_amount"]
    out = dict(values)
    if total is None and untaxed is not None and tax is not None:
        out["total_amount"] = untaxed + tax
    elif tax is None and untaxed is not None and total is not None and total >= untaxed:
        out["tax_amount"] = total - untaxed
    elif untaxed is None and tax is not None and total is not None and total >= tax:
        out["untaxed_amount"] = total - tax
    return out


def valid_reference(value: str) -> bool:
    return ogm_vcs.is_valid(value) or iso11649.is_valid(value)


def check_bill(fields: dict[str, dict]) -> None:
    """Adjust confidences in place."""
    untaxed, tax, total = (
        _dec(fields["untaxed_amount"]),
        _dec(fields["tax_amount"]),
        _dec(fields["total_amount"]),
    )
    amount_fields = [fields[k] for k in ("untaxed_amount", "tax_amount", "total_amount")]
    # Agreeing amounts keep the confidence their finder gave (net and tax swapped agree
    # too); a tax larger than its base is a swap.
    if None not in (untaxed, tax, total) and (
        abs(untaxed + tax - total) > CENT or abs(tax) > abs(untaxed)
    ):
        for field in amount_fields:
            _cap(field, FAILED_CHECK_CAP)

    lines = fields["lines"]
    if lines.get("value"):
        try:
            line_sum = sum((Decimal(row["amount"]) for row in lines["value"]), Decimal(0))
        except (InvalidOperation, TypeError, KeyError):
            line_sum = None
        if untaxed is not None and line_sum is not None:
            if abs(line_sum - untaxed) <= CENT:
                _floor(lines, 0.9)
            else:
                _cap(lines, FAILED_CHECK_CAP)

    vat = fields["vendor_vat"]
    if vat.get("value") and not vat_is_valid(vat["value"]):
        _cap(vat, FAILED_CHECK_CAP)
    iban = fields["iban"]
    if iban.get("value") and not std_iban.is_valid(iban["value"]):
        _cap(iban, FAILED_CHECK_CAP)
    reference = fields["payment_reference"]
    if reference.get("value") and not valid_reference(reference["value"]):
        _cap(reference, 0.5)  # free-form references have no checksum to pass

    invoice_date, due_date = fields["invoice_date"], fields["due_date"]
    # ISO date strings compare in date order.
    if (
        invoice_date.get("value")
        and due_date.get("value")
        and due_date["value"] < invoice_date["value"]
    ):
        _cap(due_date, FAILED_CHECK_CAP)
        _cap(invoice_date, 0.6)


def check_expense(fields: dict[str, dict]) -> None:
    total, tax = _dec(fields["total_amount"]), _dec(fields["tax_amount"])
    if total is not None and tax is not None and tax >= total:
        _cap(fields["tax_amount"], FAILED_CHECK_CAP)
