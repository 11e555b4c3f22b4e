"""The corpus generator: deterministic, internally consistent ground truth, CLI."""

from __future__ import annotations

import json
from decimal import Decimal

from stdnum import iban, iso11649
from stdnum.be import ogm_vcs
from stdnum.eu import vat

from devtools.digitization_corpus import iter_corpus
from devtools.digitization_corpus.__main__ import main


def test_same_seed_same_bytes():
    first = [(n, d) for n, d, _ in iter_corpus(3, 9, expenses=1, resumes=1, variants=("digital",))]
    again = [(n, d) for n, d, _ in iter_corpus(3, 9, expenses=1, resumes=1, variants=("digital",))]
    assert first == again
    other = [d for _, d, _ in iter_corpus(3, 10, expenses=1, resumes=1, variants=("digital",))]
    assert [d for _, d in first] != other


def test_scans_are_deterministic_too():
    one = [d for _, d, _ in iter_corpus(1, 4, expenses=0, resumes=0, variants=("scan",))]
    two = [d for _, d, _ in iter_corpus(1, 4, expenses=0, resumes=0, variants=("scan",))]
    assert one == two


def test_bill_truth_is_consistent_and_identifiers_valid():
    for _, _, entry in iter_corpus(30, 1, expenses=0, resumes=0, variants=("digital",)):
        t = entry["truth"]
        untaxed, tax, total = (
            Decimal(t[k]) for k in ("untaxed_amount", "tax_amount", "total_amount")
        )
        assert untaxed + tax == total
        assert sum(Decimal(line["amount"]) for line in t["lines"]) == untaxed
        for line in t["lines"]:
            exact = Decimal(line["quantity"]) * Decimal(line["unit_price"])
            assert abs(exact - Decimal(line["amount"])) <= Decimal("0.005")  # rounded to cents
        assert 1 <= len(t["lines"]) <= 6
        assert vat.is_valid(t["vendor_vat"]) and vat.is_valid(entry["customer_vat"])
        assert iban.is_valid(t["iban"])
        assert ogm_vcs.is_valid(t["payment_reference"]) or iso11649.is_valid(t["payment_reference"])
        assert t["due_date"] >= t["invoice_date"]
        assert t["currency"] in {"EUR", "USD", "GBP"}


def test_cli_writes_files_and_truth(tmp_path, capsys):
    assert main([str(tmp_path), "--count", "2", "--seed", "3", "--variants", "digital"]) == 0
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert {e["kind"] for e in truth} == {"bill", "expense", "resume"}
    for entry in truth:
        assert (tmp_path / entry["file"]).read_bytes().startswith(b"%PDF")
    assert "truth.json" in capsys.readouterr().out
