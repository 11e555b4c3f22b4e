"""Loading the company register from a GLEIF LEI-CDF CSV extract.

The file is streamed, so the 3-million-row golden copy loads in constant
memory (but for the set of LEIs seen, which finds duplicates). Rows are
upserted by LEI: loading a newer file updates companies, never duplicates
them. A bad row is reported with its line number and skipped; the good rows
around it are kept.

Columns read (LEI-CDF 3.1 names): ``LEI``, ``Entity.LegalName``,
``Entity.LegalAddress.*``, ``Entity.LegalForm.*``, ``Entity.EntityCreationDate``.
GLEIF has no VAT numbers or websites, so the addon also reads optional
``Extra.*`` columns (``Extra.VAT``, ``Extra.Website``, ``Extra.Email``,
``Extra.Phone``, ``Extra.Industry``, ``Extra.Employees``,
``Extra.Description``) that the shipped sample file uses.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from addons.partner_autocomplete import addresses, name_index, normalize, vat
from addons.partner_autocomplete.models import Company, RegisterLoad
from host import db, is_postgres, utcnow

REQUIRED = ("LEI", "Entity.LegalName", "Entity.LegalAddress.Country")
BATCH = 500
MAX_REPORTED = 200
SAMPLE = Path(__file__).parent / "data" / "sample_companies.csv"

_COLUMNS = {
    "street": "Entity.LegalAddress.FirstAddressLine",
    "street2": "Entity.LegalAddress.AdditionalAddressLine.1",
    "city": "Entity.LegalAddress.City",
    "region": "Entity.LegalAddress.Region",
    "zip": "Entity.LegalAddress.PostalCode",
    "other_form": "Entity.LegalForm.OtherLegalForm",
    "created": "Entity.EntityCreationDate",
    "vat": "Extra.VAT",
    "website": "Extra.Website",
    "email": "Extra.Email",
    "phone": "Extra.Phone",
    "industry": "Extra.Industry",
    "employees": "Extra.Employees",
    "description": "Extra.Description",
}
_LIMITS = {f.name: f.max_length for f in Company._meta.sorted_fields if getattr(f, "max_length", 0)}
_UPDATED = [f for f in Company._meta.sorted_fields if f.name not in ("id", "lei", "source")]


_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes surrogateescape could not decode
_LEI = re.compile(r"[0-9A-Z]{18}[0-9]{2}")


def is_lei(code: str) -> bool:
    """ISO 17442: 20 characters whose ISO 7064 mod 97-10 check holds (what
    python-stdnum's ``lei`` checks, without its per-call cleaning)."""
    return bool(_LEI.fullmatch(code)) and int("".join(str(int(c, 36)) for c in code)) % 97 == 1


class RegisterFileError(ValueError):
    """A file that cannot be loaded at all (no header, missing columns)."""


@dataclass
class LoadReport:
    loaded: int = 0
    refused: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def problem(self, line: int, message: str, refused: bool = True) -> None:
        if refused:
            self.refused += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append((line, message))


def _text(row: dict, column: str, limit: int | None = None) -> str:
    value = " ".join((row.get(column) or "").split())
    return value[:limit] if limit else value


def company_row(row: dict) -> dict:
    """The register columns of one CSV row (already checked for a LEI and a name)."""
    values = {key: _text(row, column) for key, column in _COLUMNS.items()}
    name = _text(row, "Entity.LegalName")
    country = addresses.country_code(_text(row, "Entity.LegalAddress.Country"))
    record = {
        "lei": _text(row, "LEI").upper(),
        "source": "register",
        "name": name,
        "name_key": normalize.name_key(name),
        "country": country,
        "region": addresses.region_code(values["region"], country),
        "legal_form": values["other_form"] or normalize.legal_form(name),
        "founded": int(values["created"][:4]) if re.match(r"\d{4}", values["created"]) else None,
        "updated_at": utcnow(),
    }
    for key in ("street", "street2", "city", "zip", "website", "email", "phone", "industry"):
        record[key] = values[key]
    record["employees"] = values["employees"]
    record["description"] = values["description"]
    number = ""
    if values["vat"]:
        number = vat.parse(values["vat"], country).compact
    record["vat"] = number
    record["vat_digits"] = normalize.vat_digits(number) if number else ""
    site = values["website"] or values["email"]
    domain = normalize.registrable_domain(site) if site else ""
    record["domain"] = "" if normalize.is_free_mail(domain) else domain
    if record["website"] and not re.match(r"https?://", record["website"], re.I):
        record["website"] = "https://" + record["website"]
    for key, limit in _LIMITS.items():
        if isinstance(record.get(key), str):
            record[key] = record[key][:limit]
    return record


_INSERTED = [f for f in Company._meta.sorted_fields if f.name != "id"]


def _upsert_sql(marks: str) -> str:
    columns = ", ".join(f.column_name for f in _INSERTED)
    updates = ", ".join(f"{f.column_name} = excluded.{f.column_name}" for f in _UPDATED)
    return (
        f"INSERT INTO {Company._meta.table_name} ({columns}) VALUES {marks} "
        f"ON CONFLICT (lei) DO UPDATE SET {updates}"
    )


def _write(batch: list[dict]) -> None:
    """Upsert by LEI in one statement per batch: peewee's insert_many would
    spend more time building the SQL than the database spends running it."""
    rows = [tuple(record.get(f.name) for f in _INSERTED) for record in batch]
    with db.atomic():
        cursor = db.cursor()
        if is_postgres():
            from psycopg2.extras import execute_values

            execute_values(cursor, _upsert_sql("%s"), rows, page_size=len(rows))
        else:
            cursor.executemany(_upsert_sql("(" + ", ".join("?" * len(_INSERTED)) + ")"), rows)


def _check(row: dict, line: int, columns: int, seen: set, report: LoadReport) -> dict | None:
    if None in row or any(v is None for v in row.values()):
        report.problem(line, f"has {len(row.get(None) or [])} extra or missing columns")
        return None
    if _NOT_UTF8.search("".join(row.values())):
        report.problem(line, "is not valid UTF-8")
        return None
    code = _text(row, "LEI").upper()
    if not code:
        report.problem(line, "has no LEI")
        return None
    if not is_lei(code):
        report.problem(line, f"LEI {code[:30]!r} is not a valid LEI")
        return None
    if code in seen:
        report.problem(line, f"LEI {code} appears again (the first row is kept)")
        return None
    if not _text(row, "Entity.LegalName"):
        report.problem(line, f"LEI {code} has no legal name")
        return None
    seen.add(code)
    try:
        return company_row(row)
    except vat.VatError as exc:
        report.problem(line, f"LEI {code}: VAT number refused ({exc}); loaded without it", False)
        row = dict(row, **{"Extra.VAT": ""})
        return company_row(row)


def load(
    source: str | Path | io.BufferedIOBase,
    *,
    progress: Callable[[int], None] | None = None,
    filename: str | None = None,
) -> LoadReport:
    """Load a LEI-CDF CSV file into the register. ``progress(n)`` is called
    with the number of bytes read since its last call."""
    raw = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "upload")
    name_index.ensure()
    report = LoadReport()
    run = RegisterLoad.create(filename=name[:255])
    try:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.DictReader(text)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise RegisterFileError(
                f"{name} is not a LEI-CDF CSV file: columns missing: {', '.join(missing)}"
            )
        seen: set[str] = set()
        batch: list[dict] = []
        position = raw.tell()
        for row in reader:
            record = _check(row, reader.line_num, len(header), seen, report)
            if record is not None:
                batch.append(record)
            if len(batch) >= BATCH:
                _write(batch)
                report.loaded += len(batch)
                batch = []
                if progress is not None:
                    now = raw.tell()
                    progress(now - position)
                    position = now
        if batch:
            _write(batch)
            report.loaded += len(batch)
        if progress is not None:
            progress(raw.tell() - position)
        name_index.refresh()
    finally:
        if isinstance(source, (str, Path)):
            raw.close()
        RegisterLoad.update(
            finished_at=utcnow(),
            loaded=report.loaded,
            refused=report.refused,
            errors="\n".join(f"line {line}: {message}" for line, message in report.problems),
        ).where(RegisterLoad.id == run.id).execute()
    return report


def size() -> int:
    return Company.select().count()


def last_load() -> RegisterLoad | None:
    return (
        RegisterLoad.select()
        .where(RegisterLoad.finished_at.is_null(False))
        .order_by(RegisterLoad.finished_at.desc())
        .first()
    )
