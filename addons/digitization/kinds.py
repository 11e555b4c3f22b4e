"""The three kinds of documents: what each is called, where it lives and which fields it has.

A kind's ``key`` names it everywhere (settings, config keys, the ``kind`` column);
``extract_kind`` is the name the extraction library knows it by.
"""

from __future__ import annotations

from dataclasses import dataclass

from addons.digitization.extract import FIELDS


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    # text, date, amount, vat, email, currency or lines; drives the input and how
    # a correction is parsed (see ``values``).
    type: str = "text"


@dataclass(frozen=True)
class Kind:
    key: str  # bill, expense, applicant
    slug: str  # URL segment: bills, expenses, applicants
    label: str  # Vendor Bills
    singular: str  # Vendor Bill
    extract_kind: str
    icon: str
    fields: tuple[Field, ...]
    # The field shown as the record's name, and the ones copied to the list columns.
    name_field: str
    number_field: str | None
    date_field: str | None
    total_field: str | None
    description: str = ""
    sequence: int = 40

    @property
    def model(self) -> str:
        """The record type in the chatter and in UI hooks (``digitization.bill``)."""
        return f"digitization.{self.key}"

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


BILL = Kind(
    key="bill",
    slug="bills",
    label="Vendor Bills",
    singular="Vendor Bill",
    extract_kind="bill",
    icon="🧾",
    description="Digitize supplier invoices",
    sequence=40,
    fields=(
        Field("vendor_name", "Vendor"),
        Field("vendor_vat", "VAT Number", "vat"),
        Field("invoice_number", "Bill Reference"),
        Field("invoice_date", "Bill Date", "date"),
        Field("due_date", "Due Date", "date"),
        Field("currency", "Currency", "currency"),
        Field("untaxed_amount", "Untaxed Amount", "amount"),
        Field("tax_amount", "Tax", "amount"),
        Field("total_amount", "Total", "amount"),
        Field("iban", "Bank Account", "iban"),
        Field("payment_reference", "Payment Reference"),
        Field("lines", "Invoice Lines", "lines"),
    ),
    name_field="vendor_name",
    number_field="invoice_number",
    date_field="invoice_date",
    total_field="total_amount",
)
EXPENSE = Kind(
    key="expense",
    slug="expenses",
    label="Expenses",
    singular="Expense",
    extract_kind="expense",
    icon="💸",
    description="Digitize receipts",
    sequence=41,
    fields=(
        Field("merchant", "Merchant"),
        Field("description", "Description"),
        Field("date", "Date", "date"),
        Field("currency", "Currency", "currency"),
        Field("total_amount", "Total", "amount"),
        Field("tax_amount", "Tax", "amount"),
    ),
    name_field="merchant",
    number_field=None,
    date_field="date",
    total_field="total_amount",
)
APPLICANT = Kind(
    key="applicant",
    slug="applicants",
    label="Applicants",
    singular="Applicant",
    extract_kind="resume",
    icon="🧑‍💼",
    description="Digitize resumes",
    sequence=42,
    fields=(
        Field("name", "Applicant Name"),
        Field("email", "Email", "email"),
        Field("phone", "Phone"),
    ),
    name_field="name",
    number_field=None,
    date_field=None,
    total_field=None,
)

KINDS: dict[str, Kind] = {k.key: k for k in (BILL, EXPENSE, APPLICANT)}
BY_SLUG: dict[str, Kind] = {k.slug: k for k in KINDS.values()}
BY_MODEL: dict[str, Kind] = {k.model: k for k in KINDS.values()}

for _kind in KINDS.values():  # the library and this table must agree
    assert set(_kind.field_names) == set(FIELDS[_kind.extract_kind]), _kind.key
