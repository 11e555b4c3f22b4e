"""Helpers shared by the benchmark scripts (no pytest, no timed asserts)."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import uuid
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def redact_url(url: str) -> str:
    from host.db import redact_url as redact

    return redact(url)


def pg_base_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL


def pg_connect(url: str, schema: str | None = None, **extra):
    """A psycopg2 connection to ``url`` (autocommit), optionally on a schema."""
    import psycopg2

    parts = urlsplit(url)
    kwargs = {
        "dbname": parts.path.lstrip("/"),
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "connect_timeout": 3,
        **extra,
    }
    if parts.password:
        kwargs["password"] = parts.password
    if schema:
        kwargs["options"] = f"-c search_path={schema}"
    conn = psycopg2.connect(**kwargs)
    conn.autocommit = True
    return conn


def pg_unreachable(url: str) -> str | None:
    """None when PostgreSQL answers at ``url``, else why not."""
    try:
        conn = pg_connect(url)
    except ImportError:
        return "psycopg2 is not installed"
    except Exception as exc:  # any connection failure means: skip PostgreSQL
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    conn.close()
    return None


@contextlib.contextmanager
def pg_schema(url: str, prefix: str, keep: bool = False):
    """A fresh schema on ``url``; yields the DATABASE_URL that uses it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = pg_connect(url)
    with conn.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}?schema={schema}", schema
    finally:
        if not keep:
            with conn.cursor() as cur:
                cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


def app_config(database_url: str, **extra) -> dict:
    return {
        "SECRET_KEY": "bench",
        "DATABASE_URL": database_url,
        "HOST_LOAD_ENTRY_POINTS": False,
        "HOST_JOBS_IMMEDIATE": True,
        "HOST_BASE_URL": "http://localhost",
        "MAIL_SERVER": None,
        **extra,
    }


def close_app(app) -> None:
    from host.app import close_database

    close_database(app)


def machine() -> str:
    """What the figures depend on: CPUs, load from other processes, versions."""
    import platform
    import sqlite3

    import peewee

    try:
        load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    except OSError:
        load = "load average unknown"
    return (
        f"{os.cpu_count()} CPUs, {load}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, peewee {peewee.__version__}"
    )


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def ratio(value: float, baseline: float) -> str:
    if not baseline or value != value or baseline != baseline:
        return "  n/a"
    return f"{value / baseline:5.2f}×"


# -- statement capture ------------------------------------------------------


class Many(list):
    """The rows of one ``executemany``, as captured (one entry for all of them)."""


class _RecordingCursor:
    def __init__(self, cursor, log):
        self._cursor = cursor
        self._log = log

    def execute(self, sql, params=()):
        self._log.append((sql, params))
        return self._cursor.execute(sql, params)

    def executemany(self, sql, rows):
        rows = Many(rows)
        self._log.append((sql, rows))
        return self._cursor.executemany(sql, rows)

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def __iter__(self):
        return iter(self._cursor)


@contextlib.contextmanager
def capture_statements(database):
    """Record every statement a peewee database sends, BEGIN and COMMIT included.

    Yields the list of ``(sql, params)``, ``params`` a :class:`Many` of rows for
    an ``executemany``; peewee's ``DEBUG`` log shows the same
    queries but not the transaction statements.
    """
    log: list[tuple[str, tuple]] = []
    original = database.cursor
    database.cursor = lambda *a, **k: _RecordingCursor(original(*a, **k), log)
    try:
        yield log
    finally:
        del database.cursor


_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z_][\w]*)"?', re.I)


def statement_shape(sql: str) -> str:
    """``SELECT iap_account FOR UPDATE``: verb, table, lock; enough to compare
    two implementations statement by statement."""
    words = sql.strip().split()
    verb = words[0].upper() if words else ""
    if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
        return verb
    table = _TABLE.search(sql)
    shape = f"{verb} {table.group(1) if table else '?'}"
    if verb == "SELECT" and re.search(r"\bSUM\(", sql, re.I):
        shape += " SUM"
    if re.search(r"\bFOR UPDATE\b", sql, re.I):
        shape += " FOR UPDATE"
    return shape
