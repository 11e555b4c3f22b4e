"""Loading the local provider's dataset from CSV, streamed in batches.

One file holds three kinds of rows, told apart by the ``kind`` column:

* ``company``: ``id``, ``name``, ``domain``, ``vat``, ``country`` (ISO 3166
  alpha-2), ``state``, ``city``, ``sic`` (two-digit major group),
  ``employees``, ``revenue_band``, ``founded``, ``website``, ``linkedin``,
  ``twitter``, ``email``, ``phone``;
* ``person``: ``id``, ``company`` (a company's ``id``), ``name``,
  ``job_title``, ``email``, ``phone``, ``role``, ``seniority``;
* ``ip_range``: ``company``, ``cidr`` (IPv4).

A person or range names a company given earlier in the file or loaded
before. A reload updates rows by ``id`` (ranges by ``cidr``). Bad rows are
skipped and reported with their line numbers.
"""

from __future__ import annotations

import csv
import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pycountry

from addons.lead_generation.crm import domain_of, vat_key
from addons.lead_generation.models import Company, DatasetLoad, IpRange, Person
from addons.lead_generation.taxonomy import ROLES, SENIORITIES, SIC_GROUPS
from host import db, utcnow

COLUMNS = [
    "kind",
    "id",
    "company",
    "name",
    "domain",
    "vat",
    "country",
    "state",
    "city",
    "sic",
    "employees",
    "revenue_band",
    "founded",
    "website",
    "linkedin",
    "twitter",
    "email",
    "phone",
    "job_title",
    "role",
    "seniority",
    "cidr",
]
REQUIRED = ("kind", "id", "company", "name", "country")
BATCH = 1000
MAX_PROBLEMS = 100  # problems listed; more are counted
_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)


class DatasetFileError(ValueError):
    """The file cannot be read at all (not a CSV, required columns missing)."""


@dataclass
class LoadReport:
    loaded: int = 0
    refused: int = 0
    companies: int = 0
    people: int = 0
    ranges: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def refuse(self, line: int, message: str) -> None:
        self.refused += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append((line, message))


class _RowError(ValueError):
    pass


def _int(value: str, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise _RowError(f"{name} {value!r} is not a whole number") from None
    if number < minimum or (maximum is not None and number > maximum):
        raise _RowError(f"{name} {number} is out of range")
    return number


def _company(row: dict) -> dict:
    if not row["name"]:
        raise _RowError("a company needs a name")
    country = row["country"].upper()
    if country not in _COUNTRIES:
        raise _RowError(f"unknown country {row['country']!r}")
    sic = row.get("sic", "")
    if sic and sic not in SIC_GROUPS:
        raise _RowError(f"unknown SIC major group {sic!r}")
    return {
        "uid": row["id"][:64],
        "name": row["name"][:255],
        # Stored as the CRM compares them (crm.keys_of): the search leaves out
        # known companies in SQL, by these very strings.
        "domain": domain_of(row.get("domain") or row.get("website", ""))[:255],
        "vat": vat_key(row.get("vat", ""))[:32],
        "country": country,
        "state": row.get("state", "").upper()[:8],
        "city": row.get("city", "")[:64],
        "sic_group": sic,
        "employees": _int(row.get("employees") or "0", "employees"),
        "revenue_band": row.get("revenue_band", "")[:16],
        "founded": _int(row["founded"], "founded", 1000, 2100) if row.get("founded") else None,
        "website": row.get("website", "")[:255],
        "linkedin": row.get("linkedin", "")[:255],
        "twitter": row.get("twitter", "")[:255],
        "phone": row.get("phone", "")[:64],
        "email": row.get("email", "")[:254],
    }


def _person(row: dict) -> dict:
    if not row["name"]:
        raise _RowError("a person needs a name")
    if row.get("role") and row["role"] not in ROLES:
        raise _RowError(f"unknown role {row['role']!r}")
    if row.get("seniority") and row["seniority"] not in SENIORITIES:
        raise _RowError(f"unknown seniority {row['seniority']!r}")
    return {
        "uid": row["id"][:64],
        "name": row["name"][:255],
        "job_title": row.get("job_title", "")[:128],
        "email": row.get("email", "")[:254],
        "phone": row.get("phone", "")[:64],
        "role": row.get("role", ""),
        "seniority": row.get("seniority", ""),
    }


def _range(row: dict) -> dict:
    try:
        network = ipaddress.ip_network(row.get("cidr", ""), strict=False)
    except ValueError:
        raise _RowError(f"{row.get('cidr')!r} is not an IP range (CIDR)") from None
    if network.version != 4:
        raise _RowError("only IPv4 ranges are supported")
    return {
        "cidr": str(network),
        "first": int(network.network_address),
        "last": int(network.broadcast_address),
    }


class _Loader:
    def __init__(self, report: LoadReport):
        self.report = report
        self.company_ids: dict[str, int] = {}
        self.companies: list[dict] = []
        self.pending_uids: set[str] = set()
        self.people: list[tuple[str, dict]] = []
        self.ranges: list[tuple[str, dict]] = []

    def add(self, line: int, row: dict) -> None:
        kind = row["kind"]
        if kind == "company":
            if not row["id"]:
                raise _RowError("a company needs an id")
            self.companies.append(_company(row))
            self.pending_uids.add(row["id"])
        elif kind in ("person", "ip_range"):
            uid = row["company"]
            if not uid:
                raise _RowError(f"a {kind} row names its company")
            if uid not in self.company_ids and uid not in self.pending_uids:
                self._resolve([uid])
                if uid not in self.company_ids:
                    raise _RowError(f"unknown company {uid!r}")
            if kind == "person":
                if not row["id"]:
                    raise _RowError("a person needs an id")
                self.people.append((uid, _person(row)))
            else:
                self.ranges.append((uid, _range(row)))
        else:
            raise _RowError(f"unknown kind {kind!r} (company, person or ip_range)")
        if len(self.companies) + len(self.people) + len(self.ranges) >= BATCH:
            self.flush()

    def _resolve(self, uids) -> None:
        for start in range(0, len(uids), 500):
            chunk = list(uids)[start : start + 500]
            for cid, uid in (
                Company.select(Company.id, Company.uid).where(Company.uid.in_(chunk)).tuples()
            ):
                self.company_ids[uid] = cid

    def flush(self) -> None:
        with db.atomic():
            if self.companies:
                rows = list({c["uid"]: c for c in self.companies}.values())
                _upsert(Company, rows, "uid")
                self._resolve([c["uid"] for c in rows])
                self.report.companies += len(self.companies)
            if self.people:
                rows = {p["uid"]: {**p, "company_id": self.company_ids[u]} for u, p in self.people}
                _upsert(Person, list(rows.values()), "uid")
                self.report.people += len(self.people)
            if self.ranges:
                rows = {r["cidr"]: {**r, "company_id": self.company_ids[u]} for u, r in self.ranges}
                _upsert(IpRange, list(rows.values()), "cidr")
                self.report.ranges += len(self.ranges)
        self.report.loaded += len(self.companies) + len(self.people) + len(self.ranges)
        self.companies, self.people, self.ranges = [], [], []
        self.pending_uids = set()


def _upsert(model, rows: list[dict], key: str) -> None:
    """Insert or update ``rows`` by ``key`` in one ``executemany``: building the
    statement with peewee for every batch cost more than the insert itself."""
    columns = list(rows[0])
    table = model._meta.table_name
    mark = db.obj.param  # ``?`` on SQLite, ``%s`` on PostgreSQL
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )
    cursor = db.cursor()
    cursor.executemany(sql, [tuple(row[c] for c in columns) for row in rows])


def _counted(lines: Iterable[str], progress: Callable[[int], None] | None) -> Iterator[str]:
    for line in lines:
        if progress is not None:
            progress(len(line.encode("utf-8", "replace")))
        yield line


def load_lines(
    lines: Iterable[str],
    *,
    filename: str = "",
    progress: Callable[[int], None] | None = None,
    sample: bool = False,
) -> LoadReport:
    """Load CSV text lines (a file opened with ``newline=""``, or generated rows)."""
    reader = csv.DictReader(_counted(lines, progress))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DatasetFileError(
            f"{filename or 'the file'}: not a lead dataset, missing columns {', '.join(missing)} "
            f"(expected: {','.join(COLUMNS)})"
        )
    record = DatasetLoad.create(filename=filename[:255], sample=sample)
    report = LoadReport()
    loader = _Loader(report)
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            report.refuse(line, f"expected {len(header)} columns")
            continue
        cleaned = {k: (v or "").strip() for k, v in row.items()}
        for name in COLUMNS:
            cleaned.setdefault(name, "")
        try:
            loader.add(line, cleaned)
        except _RowError as exc:
            report.refuse(line, str(exc))
    loader.flush()
    DatasetLoad.update(finished_at=utcnow(), loaded=report.loaded, refused=report.refused).where(
        DatasetLoad.id == record.id
    ).execute()
    return report


def load(path: str, *, progress: Callable[[int], None] | None = None) -> LoadReport:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return load_lines(handle, filename=str(path), progress=progress)
    except UnicodeDecodeError as exc:
        raise DatasetFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
