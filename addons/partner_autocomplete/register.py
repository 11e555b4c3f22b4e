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
``Extra.Description``) that the shipped sample file uses, and ``Extra.Logo``
(an ``https://`` image URL; anything else is left out).
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from addons.partner_autocomplete import addresses, name_index, normalize, vat
from addons.partner_autocomplete.models import Company, RegisterLoad
from host import db, is_postgres, utcnow

REQUIRED = ("LEI", "Entity.LegalName", "Entity.LegalAddress.Country")
BATCH = 500
PARALLEL_BYTES = 20 * 1024 * 1024
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
    "logo": "Extra.Logo",
}
_LIMITS = {f.name: f.max_length for f in Company._meta.sorted_fields if getattr(f, "max_length", 0)}
_UPDATED = [f for f in Company._meta.sorted_fields if f.name not in ("id", "lei", "source")]


_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes surrogateescape could not decode
_LEI = re.compile(r"[0-9A-Z]{18}[0-9]{2}")
_LEI_DIGITS = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})


def is_lei(code: str) -> bool:
    """ISO 17442: 20 characters whose ISO 7064 mod 97-10 check holds (what
    python-stdnum's ``lei`` checks, without its per-call cleaning)."""
    return bool(_LEI.fullmatch(code)) and int(code.translate(_LEI_DIGITS)) % 97 == 1


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


def _clean(value: str | None) -> str:
    if not value:
        return ""
    value = value.strip()
    if "  " in value or "\n" in value or "\t" in value or "\r" in value:
        return " ".join(value.split())
    return value


def _text(row: dict, column: str) -> str:
    return _clean(row.get(column))


_YEAR = re.compile(r"\d{4}")
_SCHEME = re.compile(r"https?://", re.I)
_LOGO = re.compile(r"https://[^\s\"'<>]{4,240}")


def company_row(row: dict, now=None) -> dict:
    """The register columns of one CSV row (already checked for a LEI and a name)."""
    get = row.get
    name = _clean(get("Entity.LegalName"))
    country = addresses.country_code(_clean(get("Entity.LegalAddress.Country")))
    created = _clean(get(_COLUMNS["created"]))
    record = {
        "lei": _clean(get("LEI")).upper(),
        "source": "register",
        "name": name,
        "name_key": normalize.name_key(name),
        "country": country,
        "region": addresses.region_code(_clean(get(_COLUMNS["region"])), country),
        "legal_form": _clean(get(_COLUMNS["other_form"])) or normalize.legal_form(name),
        "founded": int(created[:4]) if _YEAR.match(created) else None,
        "updated_at": now or utcnow(),
    }
    for key in _PLAIN:
        record[key] = _clean(get(_COLUMNS[key]))
    raw_vat = _clean(get(_COLUMNS["vat"]))
    number = vat.parse(raw_vat, country).compact if raw_vat else ""
    record["vat"] = number
    record["vat_digits"] = normalize.vat_digits(number) if number else ""
    site = record["website"] or record["email"]
    domain = normalize.registrable_domain(site) if site else ""
    record["domain"] = "" if normalize.is_free_mail(domain) else domain
    if record["logo"] and not _LOGO.fullmatch(record["logo"]):
        record["logo"] = ""  # only an https image, never a script or another scheme
    if record["website"] and not _SCHEME.match(record["website"]):
        record["website"] = "https://" + record["website"]
    for key, limit in _LIMITS.items():
        value = record.get(key)
        if isinstance(value, str) and len(value) > limit:
            record[key] = value[:limit]
    return record


_PLAIN = (
    "street",
    "street2",
    "city",
    "zip",
    "website",
    "email",
    "phone",
    "industry",
    "employees",
    "description",
    "logo",
)


_INSERTED = [f for f in Company._meta.sorted_fields if f.name != "id"]


_TABLE = Company._meta.table_name
# PostgreSQL: the temporary table a batch is copied into, then upserted from.
STAGE = "partner_autocomplete_company_stage"


def _upsert_sql(rows: str) -> str:
    columns = ", ".join(f.column_name for f in _INSERTED)
    updates = ", ".join(f"{f.column_name} = excluded.{f.column_name}" for f in _UPDATED)
    return f"INSERT INTO {_TABLE} ({columns}) {rows} ON CONFLICT (lei) DO UPDATE SET {updates}"


def _stage() -> None:
    """PostgreSQL: a fresh staging table for this load (temporary: this
    connection's, never logged), with the register's columns but not its
    id, constraints or defaults."""
    if is_postgres():
        columns = ", ".join(f.column_name for f in _INSERTED)
        db.execute_sql(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
        db.execute_sql(
            f"CREATE TEMPORARY TABLE {STAGE} AS SELECT {columns} FROM {_TABLE} WITH NO DATA"
        )


def _copy_sql(columns: str) -> str:
    """COPY in CSV format (the csv module writes it in C): an unquoted empty
    value is NULL there, so every column that cannot be NULL reads it as ''."""
    not_null = ", ".join(f.column_name for f in _INSERTED if not f.null)
    return f"COPY {STAGE} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))"


def _copy_text(rows: list[tuple]) -> io.StringIO:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    text.seek(0)
    return text


def _write(batch: list[dict]) -> None:
    """Upsert by LEI, one transaction per batch. On PostgreSQL the batch is
    copied into the staging table and upserted from there: about half the
    time of one big INSERT … VALUES, which the server must parse. On SQLite
    one prepared statement runs for each row."""
    rows = [tuple(record.get(f.name) for f in _INSERTED) for record in batch]
    columns = ", ".join(f.column_name for f in _INSERTED)
    with db.atomic():
        cursor = db.cursor()
        if is_postgres():
            cursor.copy_expert(_copy_sql(columns), _copy_text(rows))
            cursor.execute(_upsert_sql(f"SELECT {columns} FROM {STAGE}"))
            cursor.execute(f"TRUNCATE {STAGE}")  # DELETE would leave dead rows to scan again
        else:
            cursor.executemany(_upsert_sql(f"VALUES ({', '.join('?' * len(_INSERTED))})"), rows)


def _check(row: dict, line: int, seen: set, report: LoadReport) -> dict | None:
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
    return row


def _prepare(batch: list[tuple[int, dict]]) -> list[tuple[int, dict, str]]:
    """Register rows of checked CSV rows, as ``(line, record, problem)``: the
    costly part of a load (VAT checks, names, domains), run in worker
    processes for a big file. A VAT number stdnum refuses is dropped and the
    row kept."""
    now = utcnow()
    prepared = []
    for line, row in batch:
        try:
            prepared.append((line, company_row(row, now), ""))
        except vat.VatError as exc:
            record = company_row(dict(row, **{_COLUMNS["vat"]: ""}), now)
            message = f"LEI {record['lei']}: VAT number refused ({exc}); loaded without it"
            prepared.append((line, record, message))
    return prepared


def _batches(reader, seen: set, report: LoadReport):
    batch = []
    for row in reader:
        if _check(row, reader.line_num, seen, report) is not None:
            batch.append((reader.line_num, row))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _preparer(parallel: bool):
    """``map`` over the batches: here, or in a pool of worker processes
    (spawned: a forked child would share the parent's database connection)."""
    if not parallel or (os.cpu_count() or 1) < 2:
        yield map
        return
    with multiprocessing.get_context("spawn").Pool(os.cpu_count()) as pool:
        yield lambda fn, items: pool.imap(fn, items, chunksize=1)


def load(
    source: str | Path | io.BufferedIOBase,
    *,
    progress: Callable[[int], None] | None = None,
    filename: str | None = None,
    parallel: bool | None = None,
) -> LoadReport:
    """Load a LEI-CDF CSV file into the register. ``progress(n)`` is called
    with the number of bytes read since its last call. ``parallel`` prepares
    rows in worker processes (default: for files over 20 MB) and, on
    PostgreSQL, builds the index of names' words once the rows are in."""
    raw = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "upload")
    name_index.ensure()
    if parallel is None:
        parallel = isinstance(source, (str, Path)) and os.path.getsize(source) > PARALLEL_BYTES
    report = LoadReport()
    run = RegisterLoad.create(filename=name[:255])
    if parallel:
        name_index.set_aside()
    try:
        _stage()
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.DictReader(text)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise RegisterFileError(
                f"{name} is not a LEI-CDF CSV file: columns missing: {', '.join(missing)}"
            )
        seen: set[str] = set()
        position = raw.tell()
        with _preparer(parallel) as mapper:
            for prepared in mapper(_prepare, _batches(reader, seen, report)):
                for line, _record, message in prepared:
                    if message:
                        report.problem(line, message, refused=False)
                _write([record for _line, record, _message in prepared])
                report.loaded += len(prepared)
                if progress is not None:
                    now = raw.tell()
                    progress(now - position)
                    position = now
        if progress is not None:
            progress(raw.tell() - position)
        name_index.refresh()
    finally:
        if parallel:
            name_index.ensure()  # the index set aside, even when the load failed
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
