"""Database access: one peewee ``DatabaseProxy`` bound by the app factory.

Everything that differs between SQLite and PostgreSQL lives here, so the rest
of the code has one path: :func:`write_transaction` and :func:`locked`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import sqlite3
import threading
import weakref
from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlsplit

import peewee
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase


class _Queued:
    """A callback waiting for the commit, cancelled if a block it was queued in
    rolls back."""

    __slots__ = ("fn", "cancelled")

    def __init__(self, fn):
        self.fn = fn
        self.cancelled = False

    def __call__(self):
        if not self.cancelled:
            self.fn()


_open_blocks = threading.local()


def _blocks() -> list:
    stack = getattr(_open_blocks, "stack", None)
    if stack is None:
        stack = _open_blocks.stack = []
    return stack


class _Atomic:
    """``db.atomic()``: peewee's own block, plus the after-commit callbacks
    queued inside it. peewee drops them when the transaction rolls back, not
    when a savepoint does; a job queued in a savepoint that rolls back must not
    be enqueued when the outer transaction commits, so this block cancels them."""

    def __init__(self, block):
        self._block = block
        self._queued: list[_Queued] = []

    def _cancel(self):
        for queued in self._queued:
            queued.cancelled = True
        self._queued = []

    def __enter__(self):
        self._inner = self._block.__enter__()
        _blocks().append(self)
        return self

    def __exit__(self, exc_type, exc, tb):
        stack = _blocks()
        stack.remove(self)
        try:
            result = self._block.__exit__(exc_type, exc, tb)
        except BaseException:
            self._cancel()
            raise
        if exc_type is not None:
            self._cancel()
        elif stack:
            stack[-1]._queued.extend(self._queued)  # now the enclosing block's to keep or drop
        return result

    def commit(self, begin: bool = True):
        self._inner.commit(begin)
        stack = _blocks()
        where = stack.index(self) if self in stack else 0
        if where > 0:  # a released savepoint: its callbacks wait for the outer commit
            stack[where - 1]._queued.extend(self._queued)
        self._queued = []

    def rollback(self, begin: bool = True):
        self._inner.rollback(begin)
        self._cancel()


class _HostDatabaseProxy(peewee.DatabaseProxy):
    def atomic(self, *args, **kwargs):
        return _Atomic(super().atomic(*args, **kwargs))

    def after_commit(self, fn):
        """Run ``fn`` once the outer transaction commits (at once outside one);
        never if the transaction, or a savepoint it was queued in, rolls back."""
        if self.obj.transaction_depth() == 0:
            fn()
            return fn
        queued = _Queued(fn)
        if _blocks():
            _blocks()[-1]._queued.append(queued)
        self.obj.after_commit(queued)
        return fn


db = _HostDatabaseProxy()

# Scripts that look at several apps in one process (tests, the CLI) rebind the
# proxy when an app context is pushed; the lock keeps two threads from racing.
_bind_lock = threading.Lock()


class DatabaseURLError(ValueError):
    """A ``DATABASE_URL`` that cannot be understood."""


class BaseModel(peewee.Model):
    """Base class of every table. Addons prefix ``table_name`` with their name."""

    class Meta:
        database = db
        legacy_table_names = False


def utcnow() -> _dt.datetime:
    # Naive UTC everywhere: SQLite has no time zones and PostgreSQL
    # ``timestamp`` columns compare correctly as long as every writer agrees.
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


# Seconds a pooled PostgreSQL connection lives: it is retired as it is taken or
# given back after that, so a process does not keep a burst's connections, or
# ones a proxy's idle timeout has cut, for ever.
MAX_CONNECTION_AGE = 300


# Bytes of SQLite's write-ahead log kept on disk once it restarts.
WAL_SIZE_LIMIT = 16 * 1024 * 1024


def parse_database_url(url: str) -> peewee.Database:
    """Build a database from ``sqlite:///path`` or ``postgresql://user@host:port/name``.

    ``?schema=NAME`` on a PostgreSQL URL sets the search path, which the tests
    use to give every test its own schema.
    """
    if not url or not isinstance(url, str):
        raise DatabaseURLError("DATABASE_URL is empty: use sqlite:///path/to/file.db")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc:
            raise DatabaseURLError(
                f"malformed DATABASE_URL {redact_url(url)!r}: "
                "a SQLite URL has three slashes, sqlite:///relative.db or sqlite:////abs.db"
            )
        path = path[1:] if path.startswith("/") else path
        if not path or path == ":memory:":
            raise DatabaseURLError(
                "DATABASE_URL must name a SQLite file: an in-memory database is lost "
                "at every connection close"
            )
        from host.private_files import private_dir, private_file

        # It holds password hashes and provider settings: only our user reads it.
        private_dir(os.path.dirname(os.path.abspath(path)), tighten=False)
        private_file(path)
        # Pooled: a request's connection goes back to the pool rather than
        # being closed, so no request pays for opening one and its pragmas,
        # nor for the log checkpoint SQLite does when the last connection to
        # a WAL file closes. No limit: SQLite takes one writer at a time anyway.
        return _pooled(
            PooledSqliteDatabase(
                path,
                max_connections=None,
                check_same_thread=False,
                factory=_SqliteConnection,
                # Every write transaction takes the write lock up front, so a
                # read-then-write never fails half way with SQLITE_BUSY.
                lock_type="IMMEDIATE",
                pragmas={
                    "journal_mode": "wal",
                    "foreign_keys": 1,
                    "busy_timeout": 30000,
                    "synchronous": "normal",
                    # The log restarts from its start after a complete
                    # checkpoint but never shrinks on its own: one that grew
                    # while a reader held it back (a long report, a backup)
                    # would keep that size on disk. Cut back to this when it
                    # restarts; above the 4 MB it reaches between checkpoints.
                    "journal_size_limit": WAL_SIZE_LIMIT,
                },
            )
        )
    if scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise DatabaseURLError(
                f"malformed DATABASE_URL {redact_url(url)!r}: no database name after the host"
            )
        try:
            port = parts.port
        except ValueError as exc:
            raise DatabaseURLError(f"malformed DATABASE_URL {redact_url(url)!r}: {exc}") from None
        kwargs: dict = {"host": parts.hostname or "localhost", "port": port or 5432}
        if parts.username:
            kwargs["user"] = unquote(parts.username)
        if parts.password:
            kwargs["password"] = unquote(parts.password)
        query = parse_qs(parts.query)
        if "schema" in query:
            kwargs["options"] = f"-c search_path={query['schema'][0]}"
        # Pooled: a new PostgreSQL connection is a new server process, too
        # dear for every request; 20 per web process at most, as peewee's
        # default, each retired after MAX_CONNECTION_AGE. A connection the
        # server ended (a restart, pg_terminate_backend) fails peewee's check
        # as it is taken from the pool and is replaced.
        kwargs["connection_factory"] = _postgresql_connection_class()
        return _pooled(
            PooledPostgresqlDatabase(
                name,
                max_connections=20,
                timeout=30,
                stale_timeout=MAX_CONNECTION_AGE,
                **kwargs,
            )
        )
    raise DatabaseURLError(
        f"unsupported DATABASE_URL {redact_url(url)!r}: use sqlite:///file.db or "
        "postgresql://user@host:5432/name"
    )


# Every connection open in this process, and the pooled databases. A child
# forked after the app was built (gunicorn --preload, huey's process workers)
# must neither use its parent's connections nor close them: closing a SQLite
# file's descriptor drops the child's own locks on it (POSIX locks belong to
# the process), and closing a PostgreSQL connection ends the parent's
# session. The child keeps them, unused, for its lifetime, and its pools
# start empty.
_open_connections: weakref.WeakSet = weakref.WeakSet()
_inherited: list = []
_pools: weakref.WeakSet = weakref.WeakSet()


class _SqliteConnection(sqlite3.Connection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _open_connections.add(self)


def _forget_inherited_connections() -> None:
    _inherited.extend(_open_connections)
    _open_connections.clear()
    for pool in list(_pools):
        # Forks happen in the parent's one thread before it serves anything,
        # so no lock of the pool is held by a thread gone here. Never start
        # a subprocess with ``preexec_fn`` from a threaded process: the
        # child runs this handler before ``exec``, and would wait for ever
        # on a lock another thread held at the fork.
        pool.dispose()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_connections)


def _pooled(database):
    _pools.add(database)
    return database


def _postgresql_connection_class():
    import psycopg2.extensions

    class _PostgresqlConnection(psycopg2.extensions.connection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            _open_connections.add(self)

    return _PostgresqlConnection


def redact_url(url: str) -> str:
    """The URL with its password replaced, safe for messages and logs."""
    try:
        parts = urlsplit(url)
        if parts.password:
            return url.replace(f":{parts.password}@", ":***@", 1)
    except ValueError:
        pass
    return url


def bind(database: peewee.Database) -> None:
    with _bind_lock:
        if db.obj is not database:
            db.initialize(database)


def is_postgres() -> bool:
    return isinstance(db.obj, peewee.PostgresqlDatabase)


def write_transaction():
    """A transaction that intends to write.

    On SQLite the database is opened with ``BEGIN IMMEDIATE``, on PostgreSQL
    rows are locked with :func:`locked`; nested calls become savepoints.
    """
    return db.atomic()


class hot_transaction:
    """A write transaction for a hot path's few prepared statements, which
    share its cursor: ``with hot_transaction() as cursor:``.

    It is ``write_transaction()`` for fewer calls, which on the ledger's
    round trip cost as much as a statement: ``BEGIN`` (``IMMEDIATE``
    on SQLite) runs on that cursor, and peewee's transaction object is
    pushed meanwhile and commits, so ``atomic()`` blocks inside are savepoints
    and ``db.after_commit`` callbacks run after the commit, or never. Inside
    a transaction it is a savepoint, as ``write_transaction()``.
    """

    __slots__ = ("_database", "_outer")

    def __enter__(self):
        database = self._database = db.obj
        if database.transaction_depth():
            self._outer = write_transaction()
            self._outer.__enter__()
            return database.cursor()
        self._outer = None
        cursor = database.cursor()
        try:
            cursor.execute(_BEGIN[isinstance(database, peewee.SqliteDatabase)])
        except Exception as exc:
            _raise_as_peewee(exc)
        database.push_transaction(database.transaction())
        return cursor

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if self._outer is not None:
            return self._outer.__exit__(exc_type, exc, traceback)
        database = self._database
        transaction = database.pop_transaction()
        if exc_type is not None:
            transaction.rollback(False)
            return False
        try:
            # Peewee's COMMIT, then the ``after_commit`` callbacks.
            transaction.commit(False)
        except Exception:
            transaction.rollback(False)
            raise
        return False


# A write transaction's first statement, by whether the database is SQLite:
# there it takes the write lock at once (the pool's ``lock_type``).
_BEGIN = {True: "BEGIN IMMEDIATE", False: "BEGIN"}


def locked(query: peewee.ModelSelect) -> peewee.ModelSelect:
    """Lock the selected rows until the transaction ends.

    PostgreSQL takes a row lock; SQLite already holds the database write lock
    from ``BEGIN IMMEDIATE``, and has no ``FOR UPDATE``.
    """
    return query.for_update() if is_postgres() else query


class DecimalAsIntegerField(peewee.BigIntegerField):
    """A decimal stored as a scaled integer.

    SQLite's NUMERIC affinity turns decimal text into floating point, so money
    and credits are stored as integers of ``10**-places`` and never lose a digit.
    """

    def __init__(self, places: int = 6, **kwargs):
        self.places = places
        self.scale = 10**places
        super().__init__(**kwargs)

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("credits are exact decimals, never floats")
        scaled = Decimal(value) * self.scale
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def python_value(self, value):
        if value is None:
            return None
        return (Decimal(int(value)) / self.scale).quantize(Decimal(1).scaleb(-self.places))


class Param(peewee.Node):
    """A named placeholder in a :class:`Prepared` statement.

    Named rather than positional: peewee writes ``UPDATE … SET`` columns in
    model order, so positional values could silently land in the wrong column.
    """

    def __init__(self, name: str):
        self.name = name

    def __sql__(self, ctx):
        if (ctx.state.param or "?") == "?":
            return ctx.literal(f":{self.name}")
        return ctx.literal(f"%({self.name})s")


class _Params:
    def __getattr__(self, name: str) -> Param:
        return Param(name)


P = _Params()


# The driver's exceptions raised as peewee's, as ``execute_sql`` raises them.
_driver_errors = peewee.ExceptionWrapper(peewee.EXCEPTIONS)


def _raise_as_peewee(exc: Exception):
    """Raise a driver's exception as peewee's (``IntegrityError``…), others as
    they are: for a hot path's ``try``, which costs nothing until it raises,
    where ``with _driver_errors`` costs two calls a statement."""
    with _driver_errors:
        raise exc


class Prepared:
    """A peewee query compiled to SQL once per kind of database.

    Building SQL costs peewee 100-300 µs a statement, running it 5-10 µs; hot
    paths (the ledger) write their queries with peewee and :data:`P`
    placeholders, and pay for the building once. Values are passed in their
    database form (scaled integers for :class:`DecimalAsIntegerField`).
    """

    def __init__(self, build):
        self.build = build
        self._sql: dict[type, str] = {}

    def sql(self) -> str:
        kind = type(db.obj)
        text = self._sql.get(kind)
        if text is None:
            ctx = db.obj.get_sql_context(value_literals=True)
            text, params = ctx.sql(self.build()).query()
            if params:
                raise ValueError(f"prepared statement has bound values {params}: use P.name")
            self._sql[kind] = text
        return text

    def run(self, **params):
        # The database itself, not the proxy: each attribute read through
        # the proxy costs a call. The cursor is peewee's (its errors become
        # peewee's), without ``execute_sql``'s DEBUG log and timing hooks,
        # which cost as much as SQLite takes to run a hot statement; with a
        # query hook installed, ``execute_sql`` runs it as it does the rest.
        database = db.obj
        text = self._sql.get(type(database))
        if text is None:
            text = self.sql()
        if database.query_hooks:
            return database.execute_sql(text, params)
        with _driver_errors:
            cursor = database.cursor()
            cursor.execute(text, params)
        return cursor

    def insert(self, **params) -> int:
        """Run an INSERT and return the new row's id."""
        return _new_id(self.run(**params))

    def run_on(self, cursor, **params):
        """:meth:`run` on a cursor the caller keeps for the few statements
        of a hot transaction (from ``db.obj.cursor()``), sparing one cursor a
        statement; read each statement's rows before the next."""
        database = db.obj
        if database.query_hooks:
            return self.run(**params)
        try:
            cursor.execute(self._sql.get(type(database)) or self.sql(), params)
        except Exception as exc:
            _raise_as_peewee(exc)
        return cursor

    def insert_on(self, cursor, **params) -> int:
        """:meth:`insert` on a cursor kept for a few statements."""
        return _new_id(self.run_on(cursor, **params))


def _new_id(cursor) -> int:
    return cursor.fetchone()[0] if is_postgres() else cursor.lastrowid


_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def sql_named(sql: str, params: dict) -> tuple[str, dict]:
    """``(sql, params)`` for ``db.execute_sql``: ``sql`` is written with
    ``:name`` placeholders, which PostgreSQL's driver spells ``%(name)s``
    (a ``::type`` cast is left alone)."""
    return (_NAMED.sub(r"%(\1)s", sql) if is_postgres() else sql), params


def sql_datetime(when: _dt.datetime) -> _dt.datetime | str:
    """``when`` as a statement parameter: on SQLite the text sqlite3 would write
    for it (and peewee reads back), made once for the rows of an ``executemany``
    rather than once per row."""
    # ``is_postgres()`` inlined: the ledger's round trip makes three.
    return when if isinstance(db.obj, peewee.PostgresqlDatabase) else when.isoformat(" ")


class ByIds:
    """A statement over ``id IN (…)`` for a list of ids, compiled once per
    power-of-two length (the list is padded with its last id), so a group of
    500 rows costs no SQL building. ``build(names)`` gets the placeholders."""

    def __init__(self, build):
        self.build = build
        self._by_size: dict[int, Prepared] = {}

    def run(self, ids: list, **params):
        size = 1 << (len(ids) - 1).bit_length()
        prepared = self._by_size.get(size)
        if prepared is None:
            names = [getattr(P, f"i{k}") for k in range(size)]
            prepared = self._by_size[size] = Prepared(lambda: self.build(names))
        last = ids[-1]
        for k in range(size):
            params[f"i{k}"] = ids[k] if k < len(ids) else last
        return prepared.run(**params)
